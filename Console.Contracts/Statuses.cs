namespace Console.Contracts;

public enum PoolStatus { Ready, NotReady, Paused }

public enum QueueStatus { Ready, NotReady, Paused }

/// <summary>
/// <c>Draining</c>: the worker claims nothing new and exits once its runs end (SIGTERM, or
/// <c>POST /api/work-pools/{pool}/workers/{worker}/drain</c>).
/// </summary>
public enum WorkerStatus { Online, Offline, Draining }

public enum DeploymentStatus { Ready, NotReady }

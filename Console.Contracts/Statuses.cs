namespace Console.Contracts;

public enum PoolStatus { Ready, NotReady, Paused }

public enum QueueStatus { Ready, NotReady, Paused }

public enum WorkerStatus { Online, Offline }

public enum DeploymentStatus { Ready, NotReady }

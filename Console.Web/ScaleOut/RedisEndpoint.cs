using StackExchange.Redis;

namespace Console.Web.ScaleOut;

/// <summary>The Redis that replicas share (ConnectionStrings:Redis), parsed once at start.</summary>
public sealed class RedisEndpoint(string connectionString)
{
    private readonly ConfigurationOptions _options = Parse(connectionString);

    /// <summary>A fresh copy each time: the client library keeps and may change what it is given.</summary>
    public ConfigurationOptions Configuration() => _options.Clone();

    private static ConfigurationOptions Parse(string connectionString)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The message names the bad part; the connection string itself may hold a password.
            throw new InvalidOperationException($"ConnectionStrings:Redis is not a valid Redis configuration: {ex.Message}", ex);
        }

        // Start, and keep running, while Redis is down: the client reconnects in the background.
        options.AbortOnConnectFail = false;
        // While it is down, fail a send at once instead of holding it (and every later event) for
        // the sync timeout: the events are dropped from sharing either way.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }
}

using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Console.Web.ScaleOut;

/// <summary>
/// Several Console.Web replicas behind one load balancer. With ConnectionStrings:Redis the hub
/// uses SignalR's Redis backplane and the change feed is relayed through Redis; without it
/// nothing external is needed and nothing here is registered but <see cref="FeedOrigins"/>.
/// LiveForwarder sends only the events that originated on its own replica: see there why.
/// </summary>
public static class ScaleOutSetup
{
    public const string ConnectionStringName = "Redis";

    public static WebApplicationBuilder AddConsoleScaleOut(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<FeedOrigins>();
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }

        builder.Services.AddOptions<ScaleOutOptions>().BindConfiguration(ScaleOutOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var endpoint = new RedisEndpoint(connectionString);
        builder.Services.AddSingleton(endpoint);
        builder.Services.AddSingleton<RedisFeedRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisFeedRelay>());

        builder.Services.AddSignalR().AddStackExchangeRedis();
        builder.Services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>()
            .Configure<IOptions<ScaleOutOptions>>((redis, scaleOut) =>
            {
                redis.Configuration = endpoint.Configuration();
                redis.Configuration.ChannelPrefix = RedisChannel.Literal($"{scaleOut.Value.ChannelPrefix}:hub");
            });
        return builder;
    }
}

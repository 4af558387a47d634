using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Infrastructure;

/// <summary>
/// The real app on a real Kestrel loopback port, for clients that need real HTTP: workers, the
/// CLI, SignalR clients and browsers. <see cref="BaseUrl"/> is where it listens.
/// </summary>
public class ConsoleServer : ApiFactory
{
    public ConsoleServer()
        : this(fakeTime: false)
    {
    }

    protected ConsoleServer(bool fakeTime)
        : base(fakeTime)
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    public string BaseUrl { get; }

    public HttpClient CreateHttpClient() => new() { BaseAddress = new Uri(BaseUrl) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseUrls("http://127.0.0.1:0");
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Core.Polling;

public static class ClaimRegistration
{
    /// <summary>The claim of the database in use and the gate that paces it, registered together.</summary>
    /// <param name="width">Claims this process runs at once (see <see cref="ClaimGate"/>).</param>
    /// <param name="singleWriter">The database has one writer: every write queues at the gate.</param>
    public static IServiceCollection AddRunClaimer<TClaimer>(this IServiceCollection services, Func<IServiceProvider, int> width, bool singleWriter)
        where TClaimer : class, IRunClaimer
    {
        ArgumentNullException.ThrowIfNull(width);
        services.TryAddSingleton(sp => new ClaimGate(width(sp), singleWriter));
        services.TryAddScoped<IRunClaimer, TClaimer>();
        return services;
    }
}

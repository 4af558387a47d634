using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Core.Polling;

public static class ClaimRegistration
{
    /// <summary>The claim of the database in use and the gate that paces it, registered together.</summary>
    /// <param name="width">Claims this process runs at once (see <see cref="ClaimGate"/>).</param>
    public static IServiceCollection AddRunClaimer<TClaimer>(this IServiceCollection services, Func<IServiceProvider, int> width)
        where TClaimer : class, IRunClaimer
    {
        ArgumentNullException.ThrowIfNull(width);
        services.TryAddSingleton(sp => new ClaimGate(width(sp)));
        services.TryAddScoped<IRunClaimer, TClaimer>();
        return services;
    }
}

using System.Reflection;
using Console.Core.Polling;
using Console.Tests.Infrastructure;
using Console.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// A worker's long-poll lasts up to 30 s, and a fleet keeps one waiting per worker. What a poll
/// request resolves for its whole length (its handler's service and the API-key check) must not
/// take a database context: each would hold a pooled one while the poll waits (1,000 waiting polls
/// held 20-28 MB more, and past the pool's 1,024 every other request made a context of its own).
/// The claim takes one in a scope of its own, and gives it back before the poll waits.
/// </summary>
public sealed class PollContextTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData(typeof(PollService))]
    [InlineData(typeof(ApiKeyAuthenticationHandler))]
    public void What_a_poll_request_holds_while_it_waits_takes_no_database_context(Type held)
    {
        using var scope = Factory.Services.CreateScope();
        var path = PathToContext(scope.ServiceProvider, held, [held], []);
        Assert.True(path is null, $"{held.Name} takes a database context through {string.Join(" -> ", path?.Select(t => t.Name) ?? [])}");
    }

    [Fact]
    public void The_claim_itself_does_take_one()
    {
        using var scope = Factory.Services.CreateScope();
        Assert.NotNull(PathToContext(scope.ServiceProvider, typeof(PollAttempt), [typeof(PollAttempt)], []));
    }

    /// <summary>
    /// The constructor dependencies from <paramref name="type"/> to a <see cref="DbContext"/>, or null.
    /// Our own interfaces are followed to what the container resolves for them; the framework's
    /// (options, loggers, the scope factory) are not followed.
    /// </summary>
    private static List<Type>? PathToContext(IServiceProvider services, Type type, List<Type> path, HashSet<Type> seen)
    {
        if (typeof(DbContext).IsAssignableFrom(type))
        {
            return path;
        }

        if (!seen.Add(type) || type.Assembly.GetName().Name?.StartsWith("Console.", StringComparison.Ordinal) != true)
        {
            return null;
        }

        var implementation = type.IsInterface || type.IsAbstract ? services.GetService(type)?.GetType() : type;
        var constructor = implementation?.GetConstructors(BindingFlags.Public | BindingFlags.Instance).MaxBy(c => c.GetParameters().Length);
        foreach (var parameter in constructor?.GetParameters() ?? [])
        {
            if (PathToContext(services, parameter.ParameterType, [.. path, parameter.ParameterType], seen) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}

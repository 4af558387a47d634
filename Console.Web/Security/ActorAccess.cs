using System.Security.Claims;
using Console.Core.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// The actor of a change: the UI circuit's user while a circuit handles an event, else the HTTP
/// request's caller, else the server itself (jobs, startup).
/// </summary>
internal sealed class HttpActorAccessor(IHttpContextAccessor http) : IActorAccessor
{
    public Actor Current
    {
        get
        {
            if (ActingActor.Current is { } acting)
            {
                return acting;
            }

            if (ActorCircuitHandler.CircuitUser is { } circuitUser)
            {
                return ConsoleClaims.ActorOf(circuitUser, null);
            }

            return http.HttpContext is { } context
                ? ConsoleClaims.ActorOf(context.User, context.Connection.RemoteIpAddress?.ToString())
                : Actor.System;
        }
    }
}

/// <summary>
/// Blazor calls the services inside a circuit, where no request's HttpContext is reliable: every
/// inbound activity (events, JS calls) carries the circuit's user in an async-local for the actor.
/// </summary>
internal sealed class ActorCircuitHandler(AuthenticationStateProvider authentication) : CircuitHandler
{
    private static readonly AsyncLocal<ClaimsPrincipal?> Current = new();

    public static ClaimsPrincipal? CircuitUser => Current.Value;

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            Current.Value = (await authentication.GetAuthenticationStateAsync()).User;
            await next(context);
        };
}

/// <summary>An open UI circuit re-checks its user now and then: deleted users and changed passwords or roles end it.</summary>
internal sealed class ConsoleAuthenticationStateProvider(
    ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<SecurityOptions> options, IHostApplicationLifetime lifetime)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(options.Value.RevalidateSeconds);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var user = authenticationState.User;
        if (!ConsoleClaims.IsAuthenticated(user) || user.FindFirstValue(ConsoleClaims.Kind) != ConsoleClaims.UserKind)
        {
            return true;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await CredentialCheck.IsCurrentAsync(scope.ServiceProvider, user, cancellationToken);
        }
        catch (ObjectDisposedException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The host stops while a circuit re-checks its user: the circuit ends with it.
            return true;
        }
    }
}

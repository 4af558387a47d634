using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Core.Security;

/// <summary>
/// Whether any user or API key exists (revoked keys count: a console once secured stays secured).
/// Asked on every request while the answer is "none", so it is cached; the services that add or
/// remove credentials call <see cref="Invalidate"/>. "Some" is kept; "none" is re-read every few
/// seconds so another replica's first key is seen.
/// </summary>
public sealed class CredentialState(IServiceScopeFactory scopes, TimeProvider time)
{
    private static readonly TimeSpan NoneTtl = TimeSpan.FromSeconds(2);
    private readonly Lock _lock = new();
    private bool? _any;
    private DateTimeOffset _checkedAt;

    public async ValueTask<bool> AnyAsync(CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (_any == true || (_any == false && time.GetUtcNow() - _checkedAt < NoneTtl))
            {
                return _any.Value;
            }
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var any = await db.ApiKeys.AnyAsync(ct) || await db.Users.AnyAsync(ct);
        lock (_lock)
        {
            _any = any;
            _checkedAt = time.GetUtcNow();
        }

        return any;
    }

    public void Invalidate()
    {
        lock (_lock)
        {
            _any = null;
        }
    }
}

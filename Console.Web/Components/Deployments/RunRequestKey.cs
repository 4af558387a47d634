using Console.Contracts;
using Console.Core.Deployments;
using Console.Web.Components.Shared;

namespace Console.Web.Components.Deployments;

/// <summary>
/// The <c>Idempotency-Key</c> of the run a button is about to create: kept while the attempt is
/// unconfirmed (a click again after an error or a dropped connection is the same run, made once),
/// renewed once the run exists so the next click makes a new one.
/// </summary>
public sealed class RunRequestKey
{
    private string _key = New();

    public async Task<FlowRunDto> CreateAsync(IServiceScopeFactory scopes, Guid deploymentId, CreateFlowRunRequest request)
    {
        var key = _key;
        var created = await scopes.CallAsync((DeploymentService s) => s.CreateRunAsync(deploymentId, request, key));
        _key = New();
        return created.Run;
    }

    private static string New() => Guid.NewGuid().ToString("N");
}

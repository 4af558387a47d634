using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Console.Core.Persistence;

/// <summary>
/// A compiled query (<see cref="EF.CompileAsyncQuery{TContext, TResult}(System.Linq.Expressions.Expression{Func{TContext, TResult}})"/>),
/// compiled once per model: a compiled query runs only against the model it was compiled for, and
/// each provider (and each host's EF service provider) has its own. For the reads on hot paths
/// (polls, heartbeats), which otherwise pay for the expression tree's walk and the query cache's
/// lookup on every call.
/// </summary>
public sealed class CompiledPerModel<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _compiled = [];

    public TQuery For(DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _compiled.GetValue(context.Model, _ => compile());
    }
}

using System.Data.Common;

namespace Console.Core.Persistence;

/// <summary>
/// The raw commands of one transaction, kept by their SQL until it ends. A command prepares its
/// statements when it first runs and keeps them while its text stays the same, but a new command is
/// prepared anew: the polls of a shared claim transaction run the same few statements, and SQLite
/// parsed and planned each of them again for every poll, under the one write lock (ADR 0001).
/// </summary>
public sealed class TransactionCommands(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>
    /// The command of <paramref name="sql"/> with these parameters (by name, values as the provider
    /// takes them). It stays this cache's: the caller runs it and disposes its reader, not the command.
    /// </summary>
    public DbCommand For(string sql, IReadOnlyList<KeyValuePair<string, object>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_commands.TryGetValue(sql, out var command))
        {
            command.Parameters.Clear();
        }
        else
        {
            command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }

        _commands.Clear();
    }
}

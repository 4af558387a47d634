using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Console.Core.Persistence;

/// <summary>
/// Reads whole entities of <typeparamref name="T"/> from a raw command that returns their table's
/// columns (an <c>UPDATE ... RETURNING *</c>), untracked, as EF Core materializes them: each mapped
/// property through its type mapping's reader method and value converter, built from the model once
/// per model. For the claim, which writes under the one write lock: there EF Core's query pipeline
/// (the query cache's lookup, the command's build from a format string, its diagnostics) cost more
/// than the statement did.
/// </summary>
internal static class EntityRows<T>
    where T : class
{
    private static readonly ConditionalWeakTable<IModel, Shape> Shapes = [];

    /// <summary>Runs <paramref name="command"/> and reads every row it returns.</summary>
    public static async Task<List<T>> ReadAsync(DbCommand command, IModel model, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var shape = Shapes.GetValue(model, Build);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ordinals = new int[shape.Columns.Length];
        for (var i = 0; i < ordinals.Length; i++)
        {
            // A column the command does not return is a bug of its SQL: GetOrdinal throws, naming it.
            ordinals[i] = reader.GetOrdinal(shape.Columns[i]);
        }

        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(shape.Read(reader, ordinals));
        }

        return rows;
    }

    private sealed record Shape(string[] Columns, Func<DbDataReader, int[], T> Read);

    private static Shape Build(IModel model)
    {
        var entityType = model.FindEntityType(typeof(T))
            ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var reader = Expression.Parameter(typeof(DbDataReader), "reader");
        var ordinals = Expression.Parameter(typeof(int[]), "ordinals");
        var entity = Expression.Variable(typeof(T), "entity");
        var body = new List<Expression> { Expression.Assign(entity, Create(entityType)) };
        var columns = new List<string>();
        foreach (var property in entityType.GetProperties())
        {
            // Shadow properties have no member to set; none of ours has one, and EF Core keeps their values in the tracker.
            if (property.PropertyInfo is not { } member)
            {
                continue;
            }

            var ordinal = Expression.ArrayIndex(ordinals, Expression.Constant(columns.Count));
            columns.Add(property.GetColumnName());
            body.Add(Expression.Assign(Expression.Property(entity, member), Value(property, reader, ordinal)));
        }

        body.Add(entity);
        var read = Expression.Lambda<Func<DbDataReader, int[], T>>(Expression.Block([entity], body), reader, ordinals).Compile();
        return new Shape([.. columns], read);
    }

    /// <summary>
    /// A new, empty entity. When every property it has is a column read below, it is made without
    /// running its constructor: the initializers would only be overwritten, and a run's id initializer
    /// asks the system for random bytes, a system call per run read. Otherwise the parameterless
    /// constructor, as EF Core uses it (required members are the compiler's rule, not the runtime's).
    /// </summary>
    private static Expression Create(IEntityType entityType)
    {
        var mapped = entityType.GetProperties().Where(p => p.PropertyInfo is not null).Select(p => p.Name).ToHashSet();
        var all = typeof(T).GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (!all.All(p => mapped.Contains(p.Name)))
        {
            return Expression.New(typeof(T));
        }

        var uninitialized = typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.GetUninitializedObject), [typeof(Type)])!;
        return Expression.Convert(Expression.Call(uninitialized, Expression.Constant(typeof(T))), typeof(T));
    }

    /// <summary>The property's value from the reader: NULL as the CLR default, else the provider's value through the mapping's converter.</summary>
    private static Expression Value(IProperty property, ParameterExpression reader, Expression ordinal)
    {
        var mapping = (RelationalTypeMapping)property.GetRelationalTypeMapping();
        var method = mapping.GetDataReaderMethod();
        Expression value = mapping.CustomizeDataReaderExpression(Expression.Call(reader, method, ordinal));
        var converter = property.GetValueConverter() ?? mapping.Converter;
        if (converter is not null)
        {
            value = Expression.Invoke(converter.ConvertFromProviderExpression, Expression.Convert(value, converter.ProviderClrType));
        }

        var type = property.ClrType;
        value = Expression.Convert(value, type);
        if (!property.IsNullable)
        {
            return value;
        }

        var isNull = Expression.Call(reader, typeof(DbDataReader).GetMethod(nameof(DbDataReader.IsDBNull), [typeof(int)])!, ordinal);
        return Expression.Condition(isNull, Expression.Default(type), value);
    }
}

using Console.Contracts.Common;

namespace Console.Web.Components.Shared;

/// <summary>Keeps a shown list in step with change events without asking the database again.</summary>
public static class ListUpdates
{
    /// <summary>
    /// Replaces the matching item or adds the new one, keeping <paramref name="order"/>; an older copy
    /// of a versioned item than the one shown is dropped. Returns whether the list changed.
    /// </summary>
    public static bool Upsert<T>(List<T> items, T item, Func<T, bool> same, Comparison<T>? order = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(same);
        var index = items.FindIndex(i => same(i));
        if (index >= 0)
        {
            if (item is IVersionedDto incoming && incoming.IsOlderThan(items[index] as IVersionedDto))
            {
                return false;
            }

            items[index] = item;
        }
        else
        {
            items.Add(item);
        }

        if (order is not null)
        {
            items.Sort(order);
        }

        return true;
    }

    public static bool Remove<T>(List<T> items, Func<T, bool> same)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items.RemoveAll(i => same(i)) > 0;
    }
}

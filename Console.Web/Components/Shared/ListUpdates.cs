namespace Console.Web.Components.Shared;

/// <summary>Keeps a shown list in step with change events without asking the database again.</summary>
public static class ListUpdates
{
    /// <summary>Replaces the matching item or adds the new one, keeping <paramref name="order"/>.</summary>
    public static void Upsert<T>(List<T> items, T item, Func<T, bool> same, Comparison<T>? order = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(same);
        var index = items.FindIndex(i => same(i));
        if (index >= 0)
        {
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
    }

    public static bool Remove<T>(List<T> items, Func<T, bool> same)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items.RemoveAll(i => same(i)) > 0;
    }
}

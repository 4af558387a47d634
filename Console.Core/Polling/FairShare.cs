using Console.Contracts;
using Console.Core.WorkQueues;

namespace Console.Core.Polling;

/// <summary>A due run as the claim orders it (<see cref="ClaimPolicy.InFairOrder{T}"/>).</summary>
public interface IClaimCandidate
{
    Guid Id { get; }
    Guid QueueId { get; }
    DateTime DueAt { get; }
}

/// <summary>
/// Fair share among the queues of one priority (docs/architecture.md, "Claim order"): the
/// <c>k</c>-th due run of a queue that holds <c>h</c> slots now stands at <c>(h + k) / weight</c>;
/// the claim takes the lowest first (ties by queue name). So while several queues of a priority
/// have runs waiting, a queue of weight 3 gets three claims for each one of a weight-1 queue, and
/// their slot holders settle at 3:1, however many runs either has waiting: one team's flood cannot
/// starve another's queue. Counting slot holders (not the runs claimed in a window) keeps the rule
/// free of state: every claimer and every replica computes the same order from the database.
/// </summary>
public readonly record struct FairShare(long Numerator, long Weight) : IComparable<FairShare>
{
    public const int MinWeight = WorkQueueDto.MinWeight;
    public const int MaxWeight = WorkQueueDto.MaxWeight;

    /// <summary>The stand of a queue's <paramref name="rank"/>-th due run (1-based) while it holds <paramref name="holding"/> slots.</summary>
    public static FairShare Key(int holding, int rank, int weight) =>
        new((long)Math.Max(holding, 0) + rank, Math.Clamp(weight, MinWeight, MaxWeight));

    public int CompareTo(FairShare other) => (Numerator * other.Weight).CompareTo(other.Numerator * Weight);

    public static bool operator <(FairShare left, FairShare right) => left.CompareTo(right) < 0;

    public static bool operator >(FairShare left, FairShare right) => left.CompareTo(right) > 0;

    public static bool operator <=(FairShare left, FairShare right) => left.CompareTo(right) <= 0;

    public static bool operator >=(FairShare left, FairShare right) => left.CompareTo(right) >= 0;

    /// <summary>
    /// How many due runs of <paramref name="other"/> the claim takes before the <paramref name="rank"/>-th
    /// due run of <paramref name="queue"/> (both of one priority): those whose stand is lower, or
    /// equal with a queue name sorting first.
    /// </summary>
    /// <param name="otherHolding">Slot holders of <paramref name="other"/>.</param>
    /// <param name="otherDue">Due runs waiting in <paramref name="other"/>.</param>
    public static int RunsAhead(WorkQueue queue, int holding, int rank, WorkQueue other, int otherHolding, int otherDue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(other);
        var mine = Key(holding, rank, queue.Weight);
        var first = string.CompareOrdinal(other.Name, queue.Name) < 0;
        // The j-th run of the other queue is ahead while (otherHolding + j) / w' < (or <=) mine.
        var bound = mine.Numerator * Math.Clamp(other.Weight, MinWeight, MaxWeight);
        var limit = first ? bound / mine.Weight : (bound - 1) / mine.Weight;
        return (int)Math.Clamp(limit - Math.Max(otherHolding, 0), 0, otherDue);
    }
}

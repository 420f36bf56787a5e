namespace Recommender.Core.Index;

/// <summary>
/// Every article's candidate list: the numbers of up to <see cref="Length"/> articles near it, in one
/// flat array (<see cref="Length"/> entries per article number, -1 where there is none). The index
/// keeps them; this only stores them.
/// </summary>
internal sealed class NeighbourLists(int length)
{
    private int[] _entries = [];

    /// <summary>Entries per article; 0 when lists are off.</summary>
    public int Length { get; } = length;

    /// <summary>Article numbers the array has room for.</summary>
    public int Capacity => Length == 0 ? int.MaxValue : _entries.Length / Length;

    /// <summary>Bytes held.</summary>
    public long Bytes => (long)_entries.Length * sizeof(int);

    public Span<int> Of(int number) => _entries.AsSpan(number * Length, Length);

    /// <summary>
    /// Makes room for article numbers below <paramref name="numbers"/>, new lists empty. It grows by a
    /// quarter: at a million articles the array is 160 MB, and a restored index grows it at its first write.
    /// </summary>
    public void EnsureCapacity(int numbers)
    {
        if (Length == 0 || numbers <= Capacity)
        {
            return;
        }
        var grown = new int[Math.Max(numbers, Math.Max(16, Capacity + (Capacity / 4))) * Length];
        _entries.CopyTo(grown, 0);
        grown.AsSpan(_entries.Length).Fill(-1);
        _entries = grown;
    }

    /// <summary>Lists read from a snapshot: <paramref name="entries"/> holds <see cref="Length"/> per article number, in order.</summary>
    public static NeighbourLists From(int length, int[] entries) => new(length) { _entries = entries };
}

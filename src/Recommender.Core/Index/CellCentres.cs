namespace Recommender.Core.Index;

/// <summary>The cells' centres (unit vectors in 16-bit codes, one after another): which cell a vector belongs to, and which cells a search visits first.</summary>
internal sealed class CellCentres(short[] codes, int dimensions)
{
    public short[] Codes { get; } = codes;

    public int Count => Codes.Length / dimensions;

    /// <summary>The cell whose centre is most similar to <paramref name="vector"/>.</summary>
    public int Nearest(ReadOnlySpan<short> vector)
    {
        var best = 0;
        var bestDot = int.MinValue;
        for (var c = 0; c < Count; c++)
        {
            var dot = Fixed16.Dot(Codes.AsSpan(c * dimensions, dimensions), vector);
            if (dot > bestDot)
            {
                (best, bestDot) = (c, dot);
            }
        }
        return best;
    }

    /// <summary>Cells by decreasing similarity of their centre to <paramref name="query"/>, computed as for <see cref="Nearest"/>.</summary>
    public int[] Ranked(ReadOnlySpan<short> query)
    {
        var order = new int[Count];
        var keys = new int[Count];
        for (var c = 0; c < order.Length; c++)
        {
            order[c] = c;
            keys[c] = -Fixed16.Dot(Codes.AsSpan(c * dimensions, dimensions), query);
        }
        Array.Sort(keys, order);
        return order;
    }

    /// <summary>Centres from float vectors (each made unit length by the caller).</summary>
    public static CellCentres Encode(float[] centres, int dimensions)
    {
        var codes = new short[centres.Length];
        for (var c = 0; c < centres.Length / dimensions; c++)
        {
            Fixed16.Encode(centres.AsSpan(c * dimensions, dimensions), codes.AsSpan(c * dimensions, dimensions));
        }
        return new CellCentres(codes, dimensions);
    }
}

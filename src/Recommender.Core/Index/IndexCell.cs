using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>One cell's vectors in one block (16-bit codes), with their scales, articles and article numbers; removal moves the last into the gap.</summary>
internal sealed class IndexCell(int dimensions, int capacity)
{
    /// <summary>Fewest slots a cell allocates, so that a few upserts do not resize it at once.</summary>
    public const int MinCapacity = 4;

    public short[] Codes = new short[capacity * dimensions];
    public float[] Scales = new float[capacity];
    public ArticleInfo[] Infos = new ArticleInfo[capacity];

    /// <summary>Each member's article number in the index (what neighbour lists refer to; it stays while the article moves between slots and cells).</summary>
    public int[] Numbers = new int[capacity];

    public int Count;

    public int Capacity => Infos.Length;

    public ReadOnlySpan<short> CodesAt(int slot) => Codes.AsSpan(slot * dimensions, dimensions);

    public int Add(ArticleInfo info, ReadOnlySpan<short> codes, float scale, int number)
    {
        if (Count == Infos.Length)
        {
            var capacity = Math.Max(Infos.Length * 2, MinCapacity);
            Array.Resize(ref Codes, capacity * dimensions);
            Array.Resize(ref Scales, capacity);
            Array.Resize(ref Infos, capacity);
            Array.Resize(ref Numbers, capacity);
        }
        codes.CopyTo(Codes.AsSpan(Count * dimensions, dimensions));
        Scales[Count] = scale;
        Infos[Count] = info;
        Numbers[Count] = number;
        return Count++;
    }

    /// <summary>Removes a slot; returns the article moved into it, if any.</summary>
    public ArticleInfo? RemoveAt(int slot)
    {
        var last = --Count;
        ArticleInfo? moved = null;
        if (slot != last)
        {
            Codes.AsSpan(last * dimensions, dimensions).CopyTo(Codes.AsSpan(slot * dimensions, dimensions));
            Scales[slot] = Scales[last];
            Numbers[slot] = Numbers[last];
            moved = Infos[slot] = Infos[last];
        }
        Infos[last] = null!;
        return moved;
    }

    /// <summary>A copy of the cell's members, trimmed to them, that later writes to this cell do not change.</summary>
    public IndexCell Copy() => new(dimensions, 0)
    {
        Codes = Codes.AsSpan(0, Count * dimensions).ToArray(),
        Scales = Scales.AsSpan(0, Count).ToArray(),
        Infos = Infos.AsSpan(0, Count).ToArray(),
        Numbers = Numbers.AsSpan(0, Count).ToArray(),
        Count = Count,
    };

    /// <summary>The vector of a slot, decoded (to 16-bit precision).</summary>
    public float[] Vector(int slot)
    {
        var vector = new float[dimensions];
        Fixed16.Decode(CodesAt(slot), Scales[slot], vector);
        return vector;
    }

    /// <summary>The vector of a slot, decoded into <paramref name="vector"/> and made unit length.</summary>
    public void DecodeUnit(int slot, Span<float> vector)
    {
        Fixed16.Decode(CodesAt(slot), Scales[slot], vector);
        VectorMath.Normalize(vector);
    }
}

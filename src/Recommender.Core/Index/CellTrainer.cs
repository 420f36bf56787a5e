namespace Recommender.Core.Index;

/// <summary>
/// Trains the inverted file's cells: spherical k-means on a sample of the vectors, then every vector
/// moved to the cell of its nearest centre, each cell's block allocated at its exact size.
/// </summary>
internal static class CellTrainer
{
    /// <summary>Fewest and most cells; in between, about √N / 2 (so a cell holds about 2√N vectors).</summary>
    private const int MinCells = 16;
    private const int MaxCells = 4096;

    /// <summary>Sampled vectors per cell that k-means trains on: enough to place a centre, far fewer than the corpus.</summary>
    private const int SamplePerCell = 64;

    /// <summary>k-means rounds; the assignment barely moves after these.</summary>
    private const int Iterations = 8;

    public static int CellCountFor(int vectors) => Math.Clamp((int)Math.Round(Math.Sqrt(vectors) / 2), MinCells, MaxCells);

    /// <summary>The centres and the new cells holding every vector of <paramref name="cells"/> (<paramref name="count"/> in all).</summary>
    public static (CellCentres Centres, IndexCell[] Cells) Train(IndexCell[] cells, int count, int dimensions)
    {
        var cellCount = CellCountFor(count);
        var all = new List<(int Cell, int Slot)>(count);
        for (var c = 0; c < cells.Length; c++)
        {
            for (var s = 0; s < cells[c].Count; s++)
            {
                all.Add((c, s));
            }
        }
        var random = new Random(count);
        var sample = all.OrderBy(_ => random.Next()).Take(Math.Min(count, cellCount * SamplePerCell)).ToArray();
        ReadOnlySpan<short> Codes((int Cell, int Slot) at) => cells[at.Cell].CodesAt(at.Slot);
        void Decode((int Cell, int Slot) at, Span<float> vector) => cells[at.Cell].DecodeUnit(at.Slot, vector);

        var sums = new float[cellCount * dimensions];
        for (var c = 0; c < cellCount; c++)
        {
            Decode(sample[c], sums.AsSpan(c * dimensions, dimensions));
        }
        var assignment = new int[sample.Length];
        var decoded = new float[dimensions];
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var centres = CellCentres.Encode(sums, dimensions);
            Parallel.For(0, sample.Length, i => assignment[i] = centres.Nearest(Codes(sample[i])));
            Array.Clear(sums);
            for (var i = 0; i < sample.Length; i++)
            {
                Decode(sample[i], decoded);
                var centre = sums.AsSpan(assignment[i] * dimensions, dimensions);
                for (var d = 0; d < dimensions; d++)
                {
                    centre[d] += decoded[d];
                }
            }
            for (var c = 0; c < cellCount; c++)
            {
                var centre = sums.AsSpan(c * dimensions, dimensions);
                if (VectorMath.Dot(centre, centre) == 0)
                {
                    Decode(sample[random.Next(sample.Length)], centre); // an empty cell restarts from a random vector
                }
                VectorMath.Normalize(centre);
            }
        }
        var trained = CellCentres.Encode(sums, dimensions);
        var cellOf = new int[all.Count];
        Parallel.For(0, all.Count, i => cellOf[i] = trained.Nearest(Codes(all[i])));
        var sizes = new int[cellCount];
        foreach (var c in cellOf)
        {
            sizes[c]++;
        }
        var result = sizes.Select(size => new IndexCell(dimensions, Math.Max(size, IndexCell.MinCapacity))).ToArray();
        for (var i = 0; i < all.Count; i++)
        {
            var (c, s) = all[i];
            result[cellOf[i]].Add(cells[c].Infos[s], Codes(all[i]), cells[c].Scales[s], cells[c].Numbers[s]);
        }
        return (trained, result);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>What an index consists of, as the snapshot format writes and reads it.</summary>
/// <param name="ListLength">Entries of each candidate list (0: none kept).</param>
/// <param name="Lists">The candidate lists, <paramref name="ListLength"/> per article, articles numbered in the order of the cells; null when none.</param>
internal sealed record IndexLayout(int Dimensions, int Count, int TrainedOn, CellCentres? Centres, IndexCell[] Cells, int ListLength, int[]? Lists);

/// <summary>
/// The index's binary snapshot: a header (format, dimensions, counts, the cells' centres, the length
/// of a candidate list), then each cell prefixed by its length (its members' metadata, scales, codes
/// and candidate lists, which number articles in the order of the cells). It is written and read as
/// a stream, a cell at a time, so neither side holds the whole snapshot; cells are parsed in
/// parallel as they arrive, and a restore needs no re-encoding or retraining.
/// </summary>
internal static class IndexSnapshot
{
    /// <summary>Bumped whenever the layout changes; a snapshot of another format is refused (and the index rebuilt from the articles).</summary>
    private const int Format = 4;

    /// <summary>The format before candidate lists: still read (the lists are then computed after the restore).</summary>
    private const int FormatWithoutLists = 3;

    public static async Task WriteAsync(IndexLayout layout, Stream output, CancellationToken cancellationToken)
    {
        var dimensions = layout.Dimensions;
        using var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        writer.Write(Format);
        writer.Write(dimensions);
        writer.Write(layout.Count);
        writer.Write(layout.TrainedOn);
        writer.Write(layout.Centres?.Count ?? 0);
        writer.Write(MemoryMarshal.AsBytes((layout.Centres?.Codes ?? []).AsSpan()));
        writer.Write(layout.Cells.Length);
        var listLength = layout.Lists is null ? 0 : layout.ListLength;
        writer.Write(listLength);
        await WriteOutAsync();
        var number = 0;
        foreach (var cell in layout.Cells)
        {
            writer.Write(0); // its length, filled in below
            writer.Write(cell.Count);
            for (var slot = 0; slot < cell.Count; slot++, number++)
            {
                WriteInfo(writer, cell.Infos[slot]);
                writer.Write(cell.Scales[slot]);
                writer.Write(MemoryMarshal.AsBytes(cell.CodesAt(slot)));
                writer.Write(MemoryMarshal.AsBytes(layout.Lists.AsSpan(number * listLength, listLength)));
            }
            BinaryPrimitives.WriteInt32LittleEndian(buffer.GetBuffer(), (int)buffer.Length - sizeof(int));
            await WriteOutAsync();
        }

        async Task WriteOutAsync()
        {
            writer.Flush();
            await output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
            buffer.SetLength(0);
        }
    }

    /// <exception cref="InvalidDataException">The snapshot is of another format, or damaged.</exception>
    /// <exception cref="EndOfStreamException">The snapshot is cut short.</exception>
    public static async Task<IndexLayout> ReadAsync(Stream input, CancellationToken cancellationToken)
    {
        var scratch = new byte[sizeof(int)];
        var format = await ReadInt32Async();
        if (format is not (Format or FormatWithoutLists))
        {
            throw new InvalidDataException("The index snapshot is of an unknown format.");
        }
        var dimensions = await ReadInt32Async();
        var count = await ReadInt32Async();
        var trainedOn = await ReadInt32Async();
        var centreCount = await ReadInt32Async();
        if (dimensions < 1 || count < 0 || centreCount < 0)
        {
            throw new InvalidDataException("The index snapshot's header is damaged.");
        }
        CellCentres? centres = null;
        if (centreCount > 0)
        {
            var bytes = new byte[centreCount * dimensions * sizeof(short)];
            await input.ReadExactlyAsync(bytes, cancellationToken);
            centres = new CellCentres(MemoryMarshal.Cast<byte, short>(bytes).ToArray(), dimensions);
        }
        var cellCount = await ReadInt32Async();
        var listLength = format == FormatWithoutLists ? 0 : await ReadInt32Async();
        if (cellCount < 1 || listLength is < 0 or > 10_000)
        {
            throw new InvalidDataException("The index snapshot's header is damaged.");
        }
        var cells = new IndexCell[cellCount];
        var cellLists = new int[cellCount][];
        await Parallel.ForEachAsync(ReadCellsAsync(), new ParallelOptions { CancellationToken = cancellationToken }, (cell, _) =>
        {
            try
            {
                (cells[cell.Index], cellLists[cell.Index]) = ReadCell(cell.Bytes, cell.Length, dimensions, listLength);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(cell.Bytes);
            }
            return ValueTask.CompletedTask;
        });
        if (cells.Sum(c => c.Count) != count)
        {
            throw new InvalidDataException("The index snapshot's cells do not hold the articles its header counts.");
        }
        int[]? lists = null;
        if (listLength > 0)
        {
            lists = new int[count * listLength];
            var at = 0;
            foreach (var part in cellLists)
            {
                part.CopyTo(lists, at);
                at += part.Length;
            }
            if (lists.Any(n => n < -1 || n >= count))
            {
                throw new InvalidDataException("The index snapshot's candidate lists are damaged.");
            }
        }
        return new IndexLayout(dimensions, count, trainedOn, centres, cells, listLength, lists);

        async Task<int> ReadInt32Async()
        {
            await input.ReadExactlyAsync(scratch, cancellationToken);
            return BinaryPrimitives.ReadInt32LittleEndian(scratch);
        }

        // Each cell's bytes as they arrive; the parallel loop above parses them meanwhile.
        async IAsyncEnumerable<(int Index, byte[] Bytes, int Length)> ReadCellsAsync()
        {
            for (var c = 0; c < cells.Length; c++)
            {
                var length = await ReadInt32Async();
                if (length < sizeof(int))
                {
                    throw new InvalidDataException($"The index snapshot's cell {c} is damaged.");
                }
                var bytes = ArrayPool<byte>.Shared.Rent(length);
                await input.ReadExactlyAsync(bytes.AsMemory(0, length), cancellationToken);
                yield return (c, bytes, length);
            }
        }
    }

    /// <summary>A cell, and its members' candidate lists (<paramref name="listLength"/> each); the caller numbers the members.</summary>
    private static (IndexCell Cell, int[] Lists) ReadCell(byte[] bytes, int length, int dimensions, int listLength)
    {
        using var part = new BinaryReader(new MemoryStream(bytes, 0, length, writable: false));
        var members = part.ReadInt32();
        if (members < 0 || members > length)
        {
            throw new InvalidDataException("The index snapshot's cell is damaged.");
        }
        var cell = new IndexCell(dimensions, Math.Max(members, IndexCell.MinCapacity));
        var lists = new int[members * listLength];
        var codes = new short[dimensions];
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var m = 0; m < members; m++)
        {
            var info = ReadInfo(part, shared);
            var scale = part.ReadSingle();
            part.ReadExactly(MemoryMarshal.AsBytes(codes.AsSpan()));
            part.ReadExactly(MemoryMarshal.AsBytes(lists.AsSpan(m * listLength, listLength)));
            cell.Add(info, codes, scale, number: -1);
        }
        return (cell, lists);
    }

    private static void WriteInfo(BinaryWriter writer, ArticleInfo info)
    {
        writer.Write(info.Id);
        writer.Write(info.Title);
        writer.Write(info.Url);
        writer.Write(info.Section);
        writer.Write(info.Tags.Count);
        foreach (var tag in info.Tags)
        {
            writer.Write(tag);
        }
        writer.Write(info.Language);
        writer.Write(info.Published is not null);
        writer.Write(info.Published?.UtcTicks ?? 0);
        writer.Write(info.BodyHash);
        writer.Write(info.BodyMinHash.Length);
        writer.Write(MemoryMarshal.AsBytes(info.BodyMinHash.AsSpan()));
    }

    /// <param name="shared">
    /// The section, language and tag values read so far in this cell: articles share one string per
    /// value instead of each holding a copy (at a million articles, about 100 MB and three objects
    /// per article fewer for the collector to promote).
    /// </param>
    private static ArticleInfo ReadInfo(BinaryReader reader, Dictionary<string, string> shared)
    {
        var id = reader.ReadString();
        var title = reader.ReadString();
        var url = reader.ReadString();
        var section = Share(reader.ReadString());
        var tagCount = reader.ReadInt32();
        var tags = tagCount == 0 ? [] : new string[tagCount];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = Share(reader.ReadString());
        }
        var language = Share(reader.ReadString());
        var hasDate = reader.ReadBoolean();
        var ticks = reader.ReadInt64();
        var bodyHash = reader.ReadString();
        var minHash = new uint[reader.ReadInt32()];
        reader.Read(MemoryMarshal.AsBytes(minHash.AsSpan()));
        return new ArticleInfo(id, title, url, section, tags, language, hasDate ? new DateTimeOffset(ticks, TimeSpan.Zero) : null, bodyHash, minHash);

        string Share(string value)
        {
            if (shared.TryGetValue(value, out var existing))
            {
                return existing;
            }
            shared[value] = value;
            return value;
        }
    }
}

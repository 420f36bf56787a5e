using System.Runtime.InteropServices;
using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>What an index consists of, as the snapshot format writes and reads it.</summary>
internal sealed record IndexLayout(int Dimensions, int Count, int TrainedOn, CellCentres? Centres, IndexCell[] Cells);

/// <summary>
/// The index's binary snapshot: a header (format, dimensions, counts, the cells' centres, each
/// cell's length), then each cell (its members' metadata, scales and codes), so that cells are
/// written and read in parallel and a restore needs no re-encoding or retraining.
/// </summary>
internal static class IndexSnapshot
{
    /// <summary>Bumped whenever the layout changes; a snapshot of another format is refused (and the index rebuilt from the articles).</summary>
    private const int Format = 2;

    /// <summary>About what one member's metadata takes, to size the buffers.</summary>
    private const int MetadataBytesEstimate = 600;

    public static byte[] Write(IndexLayout layout)
    {
        var dimensions = layout.Dimensions;
        var cells = layout.Cells.Select(cell =>
        {
            using var part = new MemoryStream(cell.Count * (dimensions * sizeof(short) + MetadataBytesEstimate) + 16);
            using var writer = new BinaryWriter(part);
            writer.Write(cell.Count);
            for (var slot = 0; slot < cell.Count; slot++)
            {
                WriteInfo(writer, cell.Infos[slot]);
                writer.Write(cell.Scales[slot]);
                writer.Write(MemoryMarshal.AsBytes(cell.CodesAt(slot)));
            }
            writer.Flush();
            return part.ToArray();
        }).ToList();
        var centres = layout.Centres?.Codes ?? [];
        using var stream = new MemoryStream(cells.Sum(c => c.Length) + (cells.Count * sizeof(int)) + (centres.Length * sizeof(short)) + 64);
        using var header = new BinaryWriter(stream);
        header.Write(Format);
        header.Write(dimensions);
        header.Write(layout.Count);
        header.Write(layout.TrainedOn);
        header.Write(layout.Centres?.Count ?? 0);
        header.Write(MemoryMarshal.AsBytes(centres.AsSpan()));
        header.Write(cells.Count);
        foreach (var cell in cells)
        {
            header.Write(cell.Length);
        }
        foreach (var cell in cells)
        {
            header.Write(cell);
        }
        header.Flush();
        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">The snapshot is of another format.</exception>
    /// <exception cref="EndOfStreamException">The snapshot is cut short.</exception>
    public static IndexLayout Read(byte[] snapshot)
    {
        using var reader = new BinaryReader(new MemoryStream(snapshot, writable: false));
        if (reader.ReadInt32() != Format)
        {
            throw new InvalidDataException("The index snapshot is of an unknown format.");
        }
        var dimensions = reader.ReadInt32();
        var count = reader.ReadInt32();
        var trainedOn = reader.ReadInt32();
        var centreCount = reader.ReadInt32();
        CellCentres? centres = null;
        if (centreCount > 0)
        {
            var codes = new short[centreCount * dimensions];
            reader.Read(MemoryMarshal.AsBytes(codes.AsSpan()));
            centres = new CellCentres(codes, dimensions);
        }
        var lengths = new int[reader.ReadInt32()];
        var starts = new long[lengths.Length];
        for (var c = 0; c < lengths.Length; c++)
        {
            lengths[c] = reader.ReadInt32();
        }
        var offset = reader.BaseStream.Position;
        for (var c = 0; c < lengths.Length; c++)
        {
            starts[c] = offset;
            offset += lengths[c];
        }
        var cells = new IndexCell[lengths.Length];
        Parallel.For(0, cells.Length, c =>
        {
            using var part = new BinaryReader(new MemoryStream(snapshot, (int)starts[c], lengths[c], writable: false));
            var members = part.ReadInt32();
            var cell = new IndexCell(dimensions, Math.Max(members, IndexCell.MinCapacity));
            var codes = new short[dimensions];
            for (var m = 0; m < members; m++)
            {
                var info = ReadInfo(part);
                var scale = part.ReadSingle();
                part.Read(MemoryMarshal.AsBytes(codes.AsSpan()));
                cell.Add(info, codes, scale);
            }
            cells[c] = cell;
        });
        return new IndexLayout(dimensions, count, trainedOn, centres, cells);
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

    private static ArticleInfo ReadInfo(BinaryReader reader)
    {
        var id = reader.ReadString();
        var title = reader.ReadString();
        var url = reader.ReadString();
        var section = reader.ReadString();
        var tags = new string[reader.ReadInt32()];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = reader.ReadString();
        }
        var language = reader.ReadString();
        var hasDate = reader.ReadBoolean();
        var ticks = reader.ReadInt64();
        var bodyHash = reader.ReadString();
        var minHash = new uint[reader.ReadInt32()];
        reader.Read(MemoryMarshal.AsBytes(minHash.AsSpan()));
        return new ArticleInfo(id, title, url, section, tags, language, hasDate ? new DateTimeOffset(ticks, TimeSpan.Zero) : null, bodyHash, minHash);
    }
}

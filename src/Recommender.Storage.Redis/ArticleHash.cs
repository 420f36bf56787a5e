using System.Globalization;
using System.Text.Json;
using Recommender.Core.Articles;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>The fields of an article's hash, and how an article is written to and read from them.</summary>
internal static class ArticleHash
{
    public static readonly RedisValue Id = "id";
    public static readonly RedisValue Title = "title";
    public static readonly RedisValue Body = "body";
    public static readonly RedisValue Url = "url";
    public static readonly RedisValue Section = "section";
    public static readonly RedisValue Tags = "tags";
    public static readonly RedisValue Language = "language";
    public static readonly RedisValue Published = "published";
    public static readonly RedisValue RecordHash = "record_hash";
    public static readonly RedisValue TextHash = "text_hash";
    public static readonly RedisValue BodyHash = "body_hash";
    public static readonly RedisValue BodyMinHash = "body_minhash";

    /// <summary>When the article was last written (Unix ms, the writer's clock); absent in articles written before it was kept.</summary>
    public static readonly RedisValue Updated = "updated";

    /// <summary>What the index needs: everything but the body and the change-detection hashes.</summary>
    public static readonly RedisValue[] Metadata = [Id, Title, Url, Section, Tags, Language, Published, BodyHash, BodyMinHash];

    /// <summary>The metadata and the body.</summary>
    public static readonly RedisValue[] Full = [.. Metadata, Body];

    /// <summary>What a listing reads: the id (present when stored) and the update time.</summary>
    public static readonly RedisValue[] Version = [Id, Updated];

    /// <summary>What tells whether a write changes the stored article.</summary>
    public static readonly RedisValue[] State = [RecordHash, TextHash];

    public static HashEntry[] ToEntries(ArticleWrite write, DateTimeOffset now)
    {
        var a = write.Article;
        return
        [
            new(Id, a.Id),
            new(Title, a.Title),
            new(Body, a.Body),
            new(Url, a.Url),
            new(Section, a.Section),
            new(Tags, JsonSerializer.Serialize(a.Tags, RedisJson.Default.IReadOnlyListString)),
            new(Language, a.Language),
            new(Published, a.Published?.ToString("O", CultureInfo.InvariantCulture) ?? ""),
            new(RecordHash, write.RecordHash),
            new(TextHash, write.TextHash),
            new(BodyHash, write.BodyHash),
            new(BodyMinHash, MinHash.ToBytes(write.BodyMinHash)),
            new(Updated, now.ToUnixTimeMilliseconds()),
        ];
    }

    /// <summary>The article from an HMGET of <paramref name="fields"/> (which hold the body when <paramref name="withBody"/>); null when it is not stored.</summary>
    public static StoredArticle? Read(RedisValue[] fields, RedisValue[] values, bool withBody, float[]? vector)
    {
        var hash = new Values(fields, values);
        if (hash[Id].IsNull)
        {
            return null;
        }
        string published = hash[Published]!;
        var article = new Article(
            Id: hash[Id]!,
            Title: hash[Title]!,
            Body: withBody ? hash[Body]! : "",
            Url: hash[Url]!,
            Section: hash[Section]!,
            Tags: JsonSerializer.Deserialize((string)hash[Tags]!, RedisJson.Default.StringArray) ?? [],
            Language: hash[Language]!,
            Published: published.Length == 0 ? null : DateTimeOffset.Parse(published, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        var minHash = hash[BodyMinHash].IsNull ? [] : MinHash.FromBytes((byte[])hash[BodyMinHash]!);
        return new StoredArticle(article, hash[BodyHash]!, minHash, vector);
    }

    /// <summary>An update time as stored; null when absent.</summary>
    public static DateTimeOffset? ReadTime(RedisValue value) =>
        value.IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)value);

    /// <summary>About what an article's write adds to the store: its text, fields, hashes and vector.</summary>
    public static long SizeOf(ArticleWrite write)
    {
        var a = write.Article;
        var text = a.Id.Length + a.Title.Length + a.Body.Length + a.Url.Length + a.Section.Length + a.Language.Length + a.Tags.Sum(t => t.Length + 1);
        // UTF-8 takes up to 3 bytes a character here; the near-duplicate signature and hashes about 400.
        return (3L * text) + 400 + (16 * RedisNamespace.RecordOverhead) + ((write.Vector?.Length ?? 0) * sizeof(float));
    }

    /// <summary>HMGET's values looked up by field name rather than by position.</summary>
    private readonly struct Values(RedisValue[] fields, RedisValue[] values)
    {
        public RedisValue this[RedisValue field] => Array.IndexOf(fields, field) is var i and >= 0 ? values[i] : RedisValue.Null;
    }
}

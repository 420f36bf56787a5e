using BenchmarkDotNet.Attributes;
using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Storage.Redis;

namespace Recommender.Benchmarks;

/// <summary>
/// Top-k search and full ranking over random unit vectors of the default length: at 10,000 articles
/// the index is one cell, scanned whole; at 100,000 it is partitioned (see VectorIndex).
/// </summary>
[MemoryDiagnoser]
public class IndexBenchmarks
{
    private const int Dimensions = 128;
    private VectorIndex _index = null!;
    private float[] _query = null!;
    private ArticleInfo _self = null!;
    private readonly RelatedQuery _limit10 = new() { Limit = 10 };
    private readonly RankingOptions _defaults = new();

    [Params(10_000, 100_000)]
    public int Articles { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _index = new VectorIndex(Dimensions, Articles, partitionAutomatically: false);
        for (var i = 0; i < Articles; i++)
        {
            var v = Enumerable.Range(0, Dimensions).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            VectorMath.Normalize(v);
            var info = new Article($"a{i}", $"Title {i}", $"Body {i}", Section: $"s{i % 5}").ToInfo();
            _index.Upsert(info, v);
            if (i == 0)
            {
                (_self, _query) = (info, v);
            }
        }
        _index.Partition();
    }

    [Benchmark(Description = "Top-10 search")]
    public IReadOnlyList<SearchHit> Search() => _index.Search(_query, 10);

    [Benchmark(Description = "Rank (expansion, dedup), limit 10")]
    public IReadOnlyList<RelatedItem> Rank() => RelatedRanker.Rank(_index, _query, _limit10, _self, _defaults, DateTimeOffset.UnixEpoch);
}

/// <summary>Encoding of what the store keeps per article.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly float[] _vector = Enumerable.Range(0, 128).Select(i => (float)Math.Sin(i)).ToArray();
    private byte[] _bytes = null!;
    private string _body = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bytes = VectorCodec.Encode(_vector);
        _body = Corpus.Load()[0].Body;
    }

    [Benchmark(Description = "Vector encode (128 floats)")]
    public byte[] Encode() => VectorCodec.Encode(_vector);

    [Benchmark(Description = "Vector decode (128 floats)")]
    public float[] Decode() => VectorCodec.Decode(_bytes);

    [Benchmark(Description = "MinHash of one body")]
    public uint[] Signature() => MinHash.Of(_body);
}

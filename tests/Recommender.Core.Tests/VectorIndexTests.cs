using System.IO.Pipelines;
using Recommender.Core.Articles;
using Recommender.Core.Index;

namespace Recommender.Core.Tests;

public class VectorIndexTests
{
    private static ArticleInfo Info(string id, string section = "news", string body = "") =>
        new Article(id, "Title " + id, body.Length > 0 ? body : "Body of " + id, Section: section).ToInfo();

    private static float[] Unit(params float[] v)
    {
        VectorMath.Normalize(v);
        return v;
    }

    [Fact]
    public void Search_RandomVectors_MatchesBruteForceOrder()
    {
        var random = new Random(7);
        var index = new VectorIndex(16, capacity: 4);
        var vectors = new Dictionary<string, float[]>();
        for (var i = 0; i < 300; i++)
        {
            var v = Unit(Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
            vectors[$"a{i}"] = v;
            index.Upsert(Info($"a{i}"), v);
        }
        var query = vectors["a5"];

        var hits = index.Search(query, 10);

        var expected = vectors.OrderByDescending(kv => VectorMath.Dot(query, kv.Value)).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(10).Select(kv => kv.Key).ToList();
        Assert.Equal(expected, hits.Select(h => h.Article.Id).ToList());
        Assert.Equal("a5", hits[0].Article.Id);
        Assert.Equal(1f, hits[0].Score, 2); // vectors are kept as bytes: scores are within about 0.005
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Remove_MiddleRow_KeepsOtherArticlesFindable()
    {
        var index = new VectorIndex(2);
        index.Upsert(Info("a"), Unit(1, 0));
        index.Upsert(Info("b"), Unit(0, 1));
        index.Upsert(Info("c"), Unit(1, 1));

        Assert.True(index.Remove("a"));
        Assert.False(index.Remove("a"));

        Assert.Equal(2, index.Count);
        Assert.False(index.TryGet("a", out _, out _));
        Assert.True(index.TryGet("c", out var info, out var vector));
        Assert.Equal("c", info.Id);
        Assert.Equal(Unit(1, 1), vector);
        Assert.Equal(["b", "c"], index.Search(Unit(0, 1), 5).Select(h => h.Article.Id).ToArray());
    }

    [Fact]
    public void Upsert_ExistingId_ReplacesVectorAndMetadata()
    {
        var index = new VectorIndex(2);
        index.Upsert(Info("a", "old"), Unit(1, 0));
        index.Upsert(Info("a", "new"), Unit(0, 1));

        Assert.Equal(1, index.Count);
        index.TryGet("a", out var info, out var vector);
        Assert.Equal("new", info.Section);
        Assert.Equal(Unit(0, 1), vector);
    }

    [Fact]
    public void Search_WithFilter_SkipsRejectedArticles()
    {
        var index = new VectorIndex(2);
        index.Upsert(Info("a", "sport"), Unit(1, 0));
        index.Upsert(Info("b", "politics"), Unit(1, 0.1f));
        index.Upsert(Info("c", "sport"), Unit(0, 1));

        var hits = index.Search(Unit(1, 0), 5, a => a.Section == "sport");

        Assert.Equal(["a", "c"], hits.Select(h => h.Article.Id).ToArray());
    }

    [Fact]
    public void Upsert_WrongDimensions_Throws()
    {
        var index = new VectorIndex(3);
        Assert.Throws<ArgumentException>(() => index.Upsert(Info("a"), [1f, 0f]));
        Assert.Throws<ArgumentException>(() => index.Search([1f, 0f], 1));
    }

    /// <summary>Clustered unit vectors: 40 topics, each a direction plus noise.</summary>
    private static Dictionary<string, float[]> Clustered(int count, int dimensions, int seed)
    {
        var random = new Random(seed);
        var topics = Enumerable.Range(0, 40).Select(_ => Unit(Enumerable.Range(0, dimensions).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())).ToArray();
        return Enumerable.Range(0, count).ToDictionary(i => $"a{i}", i =>
        {
            var topic = topics[random.Next(topics.Length)];
            return Unit(topic.Select(x => x + 0.4f * ((float)random.NextDouble() - 0.5f)).ToArray());
        });
    }

    [Fact]
    public void Partitioned_FindsNearlyAllOfTheExactTop10_AndFiltersStillFillTheList()
    {
        var vectors = Clustered(6_000, 32, seed: 3);
        var index = new VectorIndex(32, options: new IndexOptions { PartitionFrom = 1_000, ScanShare = 0.05, MinScannedRows = 100 });
        foreach (var (id, v) in vectors)
        {
            index.Upsert(Info(id, section: id.EndsWith('7') ? "rare" : "news"), v);
        }

        var queries = vectors.Take(200).ToList();
        var found = 0;
        foreach (var (id, query) in queries)
        {
            var exact = vectors.OrderByDescending(kv => VectorMath.Dot(query, kv.Value)).Take(10).Select(kv => kv.Key).ToHashSet();
            found += index.Search(query, 10).Count(h => exact.Contains(h.Article.Id));
        }
        var rare = index.Search(queries[0].Value, 50, a => a.Section == "rare");

        Assert.True(index.CellCount >= 16, $"{index.CellCount} cells");
        Assert.True(found / (10.0 * queries.Count) >= 0.95, $"recall@10 {found / (10.0 * queries.Count):F3}");
        Assert.Equal(50, rare.Count);
        Assert.All(rare, h => Assert.Equal("rare", h.Article.Section));
    }

    [Fact]
    public void Partitioned_UpsertsAndRemovals_KeepEveryArticleFindableByItsOwnVector()
    {
        var vectors = Clustered(3_000, 16, seed: 5);
        var index = new VectorIndex(16, capacity: 8, options: new IndexOptions { PartitionFrom = 500, MinScannedRows = 300, ScanShare = 0.01 });
        foreach (var (id, v) in vectors)
        {
            index.Upsert(Info(id), v); // trains at 500, retrains at 1,000 and 2,000
        }
        var random = new Random(9);
        var removed = vectors.Keys.Where(_ => random.Next(3) == 0).ToHashSet();
        foreach (var id in removed)
        {
            Assert.True(index.Remove(id));
        }
        var moved = vectors.Keys.Except(removed).Take(300).ToList();
        foreach (var id in moved)
        {
            vectors[id] = vectors[id].Select(x => -x).ToArray(); // to another cell
            index.Upsert(Info(id), vectors[id]);
        }

        Assert.Equal(vectors.Count - removed.Count, index.Count);
        foreach (var (id, v) in vectors.Where(kv => !removed.Contains(kv.Key)))
        {
            Assert.True(index.TryGet(id, out _, out var stored), id);
            Assert.True(VectorMath.Dot(stored, v) > 0.999, $"{id}: stored vector differs");
            var hits = index.Search(v, 5);
            Assert.True(hits.Any(h => h.Article.Id == id), $"{id} not in {string.Join(",", hits.Select(h => $"{h.Article.Id}:{h.Score:F4}"))}");
        }
        Assert.All(removed, id => Assert.False(index.TryGet(id, out _, out _)));
    }

    [Theory]
    [InlineData(100_000)] // one cell
    [InlineData(500)] // partitioned
    public async Task Snapshot_RestoresTheSameIndex(int partitionFrom)
    {
        var vectors = Clustered(2_000, 16, seed: 11);
        var options = new IndexOptions { PartitionFrom = partitionFrom, MinScannedRows = 100, ScanShare = 0.05 };
        var index = new VectorIndex(16, options: options);
        foreach (var (id, v) in vectors)
        {
            index.Upsert(new Article(id, "T " + id, "Body of " + id, Url: "https://x/" + id, Section: "s", Tags: ["a", "b"], Language: "en",
                Published: new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)).ToInfo(), v);
        }

        // Through a pipe that holds a byte: the snapshot is written while it is read, and an upsert
        // made meanwhile (the cells are copied when writing starts) is not in it.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var writing = index.WriteSnapshotAsync(pipe.Writer.AsStream(), CancellationToken.None);
        index.Upsert(Info("after"), vectors["a0"]);
        var restoring = VectorIndex.ReadSnapshotAsync(pipe.Reader.AsStream(), options, CancellationToken.None);
        await writing;
        await pipe.Writer.CompleteAsync();
        var restored = await restoring;
        Assert.False(restored.TryGet("after", out _, out _));
        Assert.True(index.Remove("after"));

        Assert.Equal(index.Count, restored.Count);
        Assert.Equal(index.CellCount, restored.CellCount);
        foreach (var (id, v) in vectors.Take(100))
        {
            Assert.Equal(index.Search(v, 10).Select(h => (h.Article.Id, h.Score)), restored.Search(v, 10).Select(h => (h.Article.Id, h.Score)));
            index.TryGet(id, out var info, out var vector);
            restored.TryGet(id, out var info2, out var vector2);
            Assert.Equal(vector, vector2);
            Assert.Equal((info.Title, info.Url, info.Published, info.BodyHash), (info2.Title, info2.Url, info2.Published, info2.BodyHash));
            Assert.Equal(info.Tags, info2.Tags);
            Assert.Equal(info.BodyMinHash, info2.BodyMinHash);
        }
        restored.Upsert(Info("new"), vectors["a0"]);
        Assert.Contains("new", restored.Search(vectors["a0"], 3).Select(h => h.Article.Id));
    }

    /// <summary>The share of each sampled article's exact 10 nearest (itself left out) among the first 10 of its candidates.</summary>
    private static double CandidateRecall(VectorIndex index, Dictionary<string, float[]> vectors, IEnumerable<string> sample)
    {
        var (found, asked) = (0, 0);
        foreach (var id in sample)
        {
            var exact = vectors.Where(kv => kv.Key != id).OrderByDescending(kv => VectorMath.Dot(vectors[id], kv.Value)).Take(10).Select(kv => kv.Key).ToHashSet();
            var candidates = index.Neighbours(id, vectors[id]);
            Assert.NotNull(candidates);
            found += candidates.Take(10).Count(h => exact.Contains(h.Article.Id));
            asked += 10;
        }
        return found / (double)asked;
    }

    [Fact]
    public void CandidateLists_KeptAsArticlesAreWritten_HoldTheNearest_TakeANewArticleAtOnce_AndNeverADeletedOne()
    {
        var vectors = Clustered(3_000, 16, seed: 13);
        var options = new IndexOptions { PartitionFrom = 500, MinScannedRows = 300, ScanShare = 0.05, NeighbourListLength = 20 };
        var index = new VectorIndex(16, options: options);
        foreach (var (id, v) in vectors)
        {
            index.Upsert(Info(id), v); // lists kept one write at a time, through two retrainings of the cells
        }

        var recall = CandidateRecall(index, vectors, vectors.Keys.Take(200));
        Assert.True(recall >= 0.9, $"candidate recall@10 {recall:F3}");

        // A new article lands next to a0: a0's list has it at once.
        var near = Unit(vectors["a0"].Select((x, i) => x + (i == 0 ? 0.01f : 0f)).ToArray());
        index.Upsert(Info("fresh"), near);
        Assert.Equal("fresh", index.Neighbours("a0", vectors["a0"])![0].Article.Id);

        // Deleted articles (among them the new one) are never a candidate again.
        var removed = vectors.Keys.Where((_, i) => i % 4 == 1).Append("fresh").ToHashSet();
        foreach (var id in removed)
        {
            Assert.True(index.Remove(id));
        }
        foreach (var id in vectors.Keys.Except(removed))
        {
            var candidates = index.Neighbours(id, vectors[id]);
            Assert.NotNull(candidates);
            Assert.DoesNotContain(candidates, h => removed.Contains(h.Article.Id));
        }
        Assert.Null(index.Neighbours("fresh", near));
    }

    [Fact]
    public async Task CandidateLists_ComputedByPartition_SurviveASnapshot_AndAreComputedForASnapshotWithout()
    {
        var vectors = Clustered(2_000, 16, seed: 17);
        var options = new IndexOptions { PartitionFrom = 500, MinScannedRows = 200, ScanShare = 0.05, NeighbourListLength = 20 };
        var index = new VectorIndex(16, options: options, partitionAutomatically: false);
        foreach (var (id, v) in vectors)
        {
            index.Upsert(Info(id), v);
        }
        Assert.Null(index.Neighbours("a1", vectors["a1"])); // a bulk load computes no list until Partition
        index.Partition();
        Assert.True(CandidateRecall(index, vectors, vectors.Keys.Take(100)) >= 0.95);

        using var snapshot = new MemoryStream();
        await index.WriteSnapshotAsync(snapshot, CancellationToken.None);
        snapshot.Position = 0;
        var restored = await VectorIndex.ReadSnapshotAsync(snapshot, options, CancellationToken.None);
        foreach (var (id, v) in vectors)
        {
            Assert.Equal(index.Neighbours(id, v)!.Select(h => (h.Article.Id, h.Score)), restored.Neighbours(id, v)!.Select(h => (h.Article.Id, h.Score)));
        }

        // A snapshot written without lists (lists off, or the format before them): computed on restore.
        var without = new IndexOptions { PartitionFrom = 500, MinScannedRows = 200, ScanShare = 0.05, NeighbourListLength = 0 };
        var listless = await VectorIndex.ReadSnapshotAsync(new MemoryStream(snapshot.ToArray()), without, CancellationToken.None);
        Assert.Null(listless.Neighbours("a1", vectors["a1"]));
        using var second = new MemoryStream();
        await listless.WriteSnapshotAsync(second, CancellationToken.None);
        second.Position = 0;
        var relinked = await VectorIndex.ReadSnapshotAsync(second, options, CancellationToken.None);
        Assert.True(CandidateRecall(relinked, vectors, vectors.Keys.Take(100)) >= 0.95);
    }
}

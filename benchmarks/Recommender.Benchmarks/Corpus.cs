using Recommender.Core.Articles;

namespace Recommender.Benchmarks;

/// <summary>
/// The shared BBC corpus when it is beside the checkout (../shared/data), else the project's own
/// samples. RECOMMENDER_BENCH_CORPUS overrides the path.
/// </summary>
internal static class Corpus
{
    public static IReadOnlyList<Article> Load()
    {
        var path = Environment.GetEnvironmentVariable("RECOMMENDER_BENCH_CORPUS") is { Length: > 0 } p ? p : FindShared();
        var (lines, errors) = ArticleJsonLines.ParseAll(File.ReadLines(path));
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{path}: {errors[0]}");
        }
        return lines.Select(l => l.Article).ToList();
    }

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "bbc-news.jsonl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return Path.Combine(AppContext.BaseDirectory, "samples", "articles.jsonl");
    }
}

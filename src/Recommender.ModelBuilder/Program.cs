using System.Globalization;
using Microsoft.Extensions.Options;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Featurizer;

// usage: Recommender.ModelBuilder CORPUS.jsonl OUTPUT_DIR
// Fits the featurizer with its default settings and writes OUTPUT_DIR/model.zip and OUTPUT_DIR/MODEL.md.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Recommender.ModelBuilder CORPUS.jsonl OUTPUT_DIR");
    return 2;
}
var (articles, errors) = ArticleJsonLines.ParseAll(File.ReadLines(args[0]));
foreach (var error in errors)
{
    Console.Error.WriteLine($"{args[0]}: {error}");
}
if (errors.Count > 0)
{
    return 1;
}

var featurizer = new MlNetFeaturizer(Options.Create(new FeaturizerOptions()));
using var model = featurizer.Fit(articles.Select(a => a.Article.ToText()).ToList(), ModelInfo.DefaultVersionPrefix);
Directory.CreateDirectory(args[1]);
using (var file = File.Create(Path.Combine(args[1], "model.zip")))
{
    model.Save(file);
}
var info = model.Info;
var sections = string.Join(", ", articles.GroupBy(a => a.Article.Section).Select(g => $"{g.Key} ({g.Count()})"));
File.WriteAllText(Path.Combine(args[1], "MODEL.md"), string.Create(CultureInfo.InvariantCulture, $"""
    # Default model card

    | | |
    |---|---|
    | version | `{info.Version}` |
    | fitted at | {info.FittedAt:yyyy-MM-dd HH:mm:ss} UTC |
    | corpus | `{Path.GetFileName(args[0])}`: {info.FittedOnArticles} sample articles written for this project: {sections} |
    | dimensions | {info.Dimensions} |
    | pipeline | {info.Description} |

    **Use.** Serves only until a site's own corpus is imported: the first import of at least
    `Recommender:Engine:MinArticlesToFit` articles triggers a refit on that corpus, and every later
    model is fitted on the site's own articles. It knows only the vocabulary of 30 short articles,
    so its related lists are rough; it exists so that a new service answers at once.

    **Rebuild.** `scripts/build-default-model.sh` (deterministic settings, seed 42; the version
    carries the fit time, so each rebuild has a new version).
    """));
Console.WriteLine($"Wrote {info.Version} ({info.Dimensions} dimensions, {info.FittedOnArticles} articles) to {args[1]}");
return 0;

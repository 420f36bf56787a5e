using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using Microsoft.ML.Transforms.Text;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Featurizer.Analysis;

namespace Recommender.Featurizer;

/// <summary>
/// Fits the ML.NET text pipeline on terms from <see cref="TermAnalysis"/> (each article analysed
/// for its language: Lucene.NET's tokenizer, stop words and stemmer, accents folded; words and
/// adjacent word pairs) → a capped vocabulary of terms shared by several articles, weighted by
/// inverse document frequency → L2 → principal components → L2. The projection (latent semantic
/// analysis) turns tens of thousands of sparse dimensions into a hundred-odd dense ones: vectors
/// that are cheap to store and scan, and that match articles sharing a topic rather than exact words.
/// </summary>
public sealed class MlNetFeaturizer(IOptions<FeaturizerOptions> options) : IFeaturizer
{
    internal const string TermsInputColumn = nameof(TermsInput.Terms);
    internal const string FeaturesColumn = "Features";
    internal const string TermsColumn = "Sparse";
    private const string PipelineEntry = "pipeline.zip";
    private const string InfoEntry = "model.json";

    /// <summary>Version 2: the pipeline reads analysed terms (version 1 read raw text with English stop words).</summary>
    internal const int CurrentFormat = 2;

    public int ModelFormat => CurrentFormat;

    private readonly FeaturizerOptions _options = options.Value;

    public IFeaturizerModel Fit(IReadOnlyList<ArticleText> corpus, int corpusArticles = 0) => Fit(corpus, versionPrefix: "", corpusArticles);

    /// <summary>Fits a model whose version starts with <paramref name="versionPrefix"/> (e.g. the shipped default's).</summary>
    public IFeaturizerModel Fit(IReadOnlyList<ArticleText> corpus, string versionPrefix, int corpusArticles = 0)
    {
        if (corpus.Count < 2)
        {
            throw new ArgumentException("A model needs at least two articles to fit on.", nameof(corpus));
        }
        var started = Stopwatch.GetTimestamp();
        var ml = new MLContext(seed: _options.Seed);
        var (termWeighting, ngramWeighting) = Weightings(_options.Weighting);
        var analysis = new AnalysisSettings(termWeighting, _options.TitleWeight, []);
        // Analysed once (on every core): fitting reads the rows several times.
        var rows = corpus.AsParallel().AsOrdered().Select(analysis.Row).ToList();
        analysis = analysis with { CommonTerms = KeepSharedTerms(rows, MinArticlesPerTerm(rows.Count, _options.MinDocumentFrequency)) };
        var data = ml.Data.LoadFromEnumerable(rows);
        var rank = ProjectionRank(corpus.Count, _options.Dimensions, _options.RankPerRootArticle);

        var pipeline = ml.Transforms.Conversion.MapValueToKey("TermKeys", TermsInputColumn)
            .Append(ml.Transforms.Text.ProduceNgrams("Ngrams", "TermKeys",
                ngramLength: 1, useAllLengths: false,
                maximumNgramsCount: _options.MaxVocabulary,
                weighting: ngramWeighting))
            .Append(ml.Transforms.NormalizeLpNorm(TermsColumn, "Ngrams"))
            .Append(ml.Transforms.ProjectToPrincipalComponents("Projected", TermsColumn, rank: rank, seed: _options.Seed))
            .Append(ml.Transforms.NormalizeLpNorm(FeaturesColumn, "Projected"));

        var transformer = pipeline.Fit(data);
        var fitSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var fittedAt = DateTimeOffset.UtcNow;
        var info = new ModelInfo(
            versionPrefix + NewVersion(fittedAt, corpus),
            fittedAt,
            corpus.Count,
            rank,
            Math.Round(fitSeconds, 3),
            Describe(rank)) { CorpusArticles = Math.Max(corpusArticles, corpus.Count), Format = CurrentFormat };
        return new MlNetFeaturizerModel(ml, transformer, data.Schema, info, analysis);
    }

    /// <summary>
    /// How many principal components a corpus of <paramref name="articles"/> supports:
    /// <paramref name="perRootArticle"/> × √articles (0: always <paramref name="dimensions"/>), at
    /// least <see cref="MinRank"/>, at most <paramref name="dimensions"/> and never more than
    /// articles − 1. A thousand articles cannot support as many independent topics as a hundred
    /// thousand: components beyond what the corpus supports fit noise, and lists follow single
    /// words instead of subjects.
    /// </summary>
    internal static int ProjectionRank(int articles, int dimensions, double perRootArticle)
    {
        var supported = perRootArticle > 0 ? Math.Max(MinRank, (int)Math.Round(perRootArticle * Math.Sqrt(articles))) : dimensions;
        return Math.Min(articles - 1, Math.Min(dimensions, supported));
    }

    /// <summary>Fewest components kept when the rank follows the corpus (all of a small corpus's).</summary>
    private const int MinRank = 32;

    /// <summary>
    /// Fewest articles a term must appear in to enter the vocabulary: 2 (a term of one article
    /// cannot make two alike), rising to <paramref name="configured"/> at one per
    /// <see cref="ArticlesPerRequiredArticle"/> articles (3 from 900), since the larger the corpus,
    /// the more pairs of articles share a rare word by chance.
    /// </summary>
    internal static int MinArticlesPerTerm(int articles, int configured) =>
        Math.Min(configured, Math.Max(2, articles / ArticlesPerRequiredArticle));

    private const int ArticlesPerRequiredArticle = 300;

    /// <summary>
    /// Leaves out of the fitting rows every term found in fewer than <paramref name="minArticles"/>
    /// of them, so it never enters the vocabulary: a term of one or two articles hardly makes
    /// articles alike, and would take weight (through the L2 norm) from the terms that do. Returns
    /// the terms found in more than <see cref="CommonTermShare"/> of the rows ("said", "wurde"):
    /// idf weighs them down in the vectors, and explanations leave them out.
    /// </summary>
    private static string[] KeepSharedTerms(List<TermsInput> rows, int minArticles)
    {
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            foreach (var term in row.Terms.Distinct())
            {
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
            }
        }
        foreach (var row in rows)
        {
            row.Terms = row.Terms.Where(t => documentFrequency[t] >= minArticles).ToArray();
        }
        return documentFrequency.Where(t => t.Value > rows.Count * CommonTermShare).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A term in more than this share of the articles says nothing about what an article is about.</summary>
    private const double CommonTermShare = 0.2;

    /// <summary>The in-article weighting of the analysis and ML.NET's n-gram weighting that together give the option's meaning.</summary>
    private static (TermWeighting, NgramExtractingEstimator.WeightingCriteria) Weightings(string option) => option switch
    {
        "Idf" => (TermWeighting.Presence, NgramExtractingEstimator.WeightingCriteria.Idf),
        "SublinearTfIdf" => (TermWeighting.Sublinear, NgramExtractingEstimator.WeightingCriteria.TfIdf),
        "TfIdf" => (TermWeighting.Count, NgramExtractingEstimator.WeightingCriteria.TfIdf),
        "Tf" => (TermWeighting.Count, NgramExtractingEstimator.WeightingCriteria.Tf),
        _ => throw new ArgumentException($"Unknown weighting {option}.", nameof(option)),
    };

    public IFeaturizerModel Load(Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var infoEntry = archive.GetEntry(InfoEntry) ?? throw new InvalidDataException($"The model has no {InfoEntry}.");
        var pipelineEntry = archive.GetEntry(PipelineEntry) ?? throw new InvalidDataException($"The model has no {PipelineEntry}.");
        SavedModel saved;
        using (var infoStream = infoEntry.Open())
        {
            saved = JsonSerializer.Deserialize<SavedModel>(infoStream) ?? throw new InvalidDataException($"{InfoEntry} is empty.");
        }
        var ml = new MLContext(seed: _options.Seed);
        using var pipelineStream = new MemoryStream();
        using (var source = pipelineEntry.Open())
        {
            source.CopyTo(pipelineStream);
        }
        pipelineStream.Position = 0;
        if (saved.Format < CurrentFormat || saved.Weighting is not { } weighting)
        {
            throw new InvalidDataException(
                $"The model {saved.Info.Version} was saved in format {saved.Format}, before per-language analysis (format {CurrentFormat}); it must be refitted.");
        }
        var transformer = ml.Model.Load(pipelineStream, out var schema);
        return new MlNetFeaturizerModel(ml, transformer, schema, saved.Info, new AnalysisSettings(weighting, saved.TitleWeight, saved.CommonTerms ?? []));
    }

    public IFeaturizerModel LoadDefault()
    {
        var path = Path.IsPathRooted(_options.DefaultModelPath)
            ? _options.DefaultModelPath
            : Path.Combine(AppContext.BaseDirectory, _options.DefaultModelPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The default model is missing at {path} (setting {FeaturizerOptions.SectionName}:DefaultModelPath).", path);
        }
        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    /// <summary>Writes the ML.NET pipeline and the model's info into one zip.</summary>
    internal static void Save(MLContext ml, ITransformer transformer, DataViewSchema schema, ModelInfo info, AnalysisSettings analysis, Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var pipeline = archive.CreateEntry(PipelineEntry, CompressionLevel.Fastest).Open())
        {
            ml.Model.Save(transformer, schema, pipeline);
        }
        using var infoStream = archive.CreateEntry(InfoEntry, CompressionLevel.Fastest).Open();
        JsonSerializer.Serialize(infoStream, new SavedModel(info, analysis.TitleWeight, analysis.Weighting, CurrentFormat, [.. analysis.CommonTerms]), SavedModelJson);
    }

    private static readonly JsonSerializerOptions SavedModelJson = new() { WriteIndented = true };

    private string Describe(int rank) =>
        $"Lucene.NET analysis per language (stop words, stemming, accents folded), word 1-2-grams in ≥ {_options.MinDocumentFrequency} articles weighted {_options.Weighting} by ML.NET (vocabulary ≤ {_options.MaxVocabulary:N0}), " +
        $"title ×{_options.TitleWeight}, L2, PCA rank {rank} ({_options.RankPerRootArticle} × √articles, ≤ {_options.Dimensions}), L2";

    /// <summary>A sortable, unique version: fit time plus a hash of the corpus and settings.</summary>
    private string NewVersion(DateTimeOffset fittedAt, IReadOnlyList<ArticleText> corpus)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{_options.Dimensions}|{_options.RankPerRootArticle}|{_options.MaxVocabulary}|{_options.MinDocumentFrequency}|{_options.Weighting}|{_options.TitleWeight}|{_options.Seed}|{fittedAt.UtcTicks}")));
        foreach (var text in corpus)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text.Title));
            hash.AppendData(Encoding.UTF8.GetBytes(text.Body));
        }
        var suffix = Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 4));
        return fittedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + suffix;
    }

    /// <summary>model.json: what a loaded model needs besides the ML.NET pipeline (format 1 had no weighting or format).</summary>
    private sealed record SavedModel(ModelInfo Info, int TitleWeight, TermWeighting? Weighting = null, int Format = 1, string[]? CommonTerms = null);
}

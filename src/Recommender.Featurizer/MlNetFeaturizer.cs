using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using Microsoft.ML.Data;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Featurizer.Analysis;
using Recommender.Featurizer.Semantic;

namespace Recommender.Featurizer;

/// <summary>
/// Fits the text model: <see cref="TermAnalysis"/> (each article analysed for its language with
/// Lucene.NET's tokenizer, stop words and stemmer, accents folded; words and adjacent word pairs,
/// and each word's character n-grams) → <see cref="TermVocabulary"/> (terms shared by several
/// articles, weighted (1 + ln count) × idf by default; words and n-grams each L2-normalized to
/// their share) → ML.NET's principal components, each weighted by a power of its singular value →
/// L2. The projection (latent semantic analysis) turns tens of thousands of sparse dimensions into
/// a hundred-odd dense ones: vectors that are cheap to store and scan, and that match articles
/// sharing a topic rather than exact words.
/// </summary>
public sealed class MlNetFeaturizer(IOptions<FeaturizerOptions> options, TimeProvider? clock = null) : IFeaturizer
{
    internal const string SparseColumn = "Sparse";
    internal const string ProjectedColumn = "Projected";
    internal const string FeaturesColumn = "Features";
    private const string PipelineEntry = "pipeline.zip";
    private const string InfoEntry = "model.json";
    private const string VocabularyEntry = "vocabulary.tsv";

    /// <summary>Version 2: analysed terms and a vocabulary of its own before ML.NET (version 1: ML.NET's English-only text pipeline).</summary>
    internal const int CurrentFormat = 2;

    public int ModelFormat => CurrentFormat;

    private readonly FeaturizerOptions _options = options.Value;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public IFeaturizerModel Fit(IReadOnlyList<ArticleText> corpus, int corpusArticles = 0, CancellationToken cancellationToken = default) =>
        Fit(corpus, versionPrefix: "", corpusArticles, cancellationToken);

    /// <summary>Fits a model whose version starts with <paramref name="versionPrefix"/> (e.g. the shipped default's).</summary>
    public IFeaturizerModel Fit(IReadOnlyList<ArticleText> corpus, string versionPrefix, int corpusArticles = 0, CancellationToken cancellationToken = default)
    {
        if (corpus.Count < 2)
        {
            throw new ArgumentException("A model needs at least two articles to fit on.", nameof(corpus));
        }
        var started = Stopwatch.GetTimestamp();
        // Each article's language found once: it names the corpus's main language, which then
        // stands in for the articles whose language could not be told.
        var languages = corpus.AsParallel().AsOrdered().WithCancellation(cancellationToken).Select(t => TermAnalysis.LanguageOf(t)).ToList();
        var mainLanguage = TermAnalysis.MainLanguage(languages);
        // Passes over the analysis rather than every article's counts held at once: with
        // character n-grams those are thousands of strings an article.
        Dictionary<string, int> Counts(int i, CompoundSplitter? compounds) =>
            TermAnalysis.Counts(corpus[i] with { Language = languages[i].Length > 0 ? languages[i] : mainLanguage }, _options.TitleWeight, mainLanguage, CharNGrams, compounds);
        Dictionary<string, int> DocumentFrequency(CompoundSplitter? compounds)
        {
            var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var counts in Enumerable.Range(0, corpus.Count).AsParallel().WithCancellation(cancellationToken).Select(i => Counts(i, compounds)))
            {
                TermVocabulary.CountArticle(documentFrequency, counts);
            }
            return documentFrequency;
        }
        var documentFrequency = DocumentFrequency(compounds: null);
        var minArticles = MinArticlesPerTerm(TermVocabulary.WordOccurrences(documentFrequency), _options.MinDocumentFrequency);
        var splitCompounds = _options.SplitCompounds && languages.Any(CompoundSplitter.Splits);
        if (splitCompounds)
        {
            // Compounds split by the words of the corpus, then counted again with their parts.
            documentFrequency = DocumentFrequency(CompoundSplitter.FromTerms(documentFrequency.Where(e => e.Value >= minArticles).Select(e => e.Key)));
        }
        var vocabulary = TermVocabulary.Fit(
            documentFrequency, corpus.Count, minArticles, _options.MaxVocabulary, Weighting(_options.Weighting), out var commonTerms, CharNGrams > 0 ? _options.CharNGramShare : 0);
        if (vocabulary.Count == 0)
        {
            throw new ArgumentException("The articles hold no words to fit a model on: no letters, or none the analysis keeps.", nameof(corpus));
        }
        var analysis = new AnalysisSettings(vocabulary, _options.TitleWeight, mainLanguage, commonTerms, CharNGrams)
        {
            SentenceShare = SentenceShare,
            SplitCompounds = splitCompounds,
        };

        cancellationToken.ThrowIfCancellationRequested();
        var ml = new MLContext(seed: _options.Seed);
        var rows = Enumerable.Range(0, corpus.Count).AsParallel().AsOrdered().WithCancellation(cancellationToken)
            .Select(i => new SparseInput { Terms = vocabulary.Vector(Counts(i, analysis.Compounds)) })
            .ToList();
        var data = ml.Data.LoadFromEnumerable(rows, analysis.InputSchema);
        var rank = Math.Min(ProjectionRank(corpus.Count, _options.Dimensions, _options.RankPerRootArticle), vocabulary.Count);
        ITransformer transformer;
        while (true)
        {
            var pipeline = ml.Transforms.ProjectToPrincipalComponents(ProjectedColumn, SparseColumn, rank: rank, seed: _options.Seed)
                .Append(ml.Transforms.NormalizeLpNorm(FeaturesColumn, ProjectedColumn));
            // ML.NET's projection cannot be stopped from outside (its MLContext.CancelExecution is in
            // Microsoft.ML.Experimental, not published here); cancellation is honoured on each side of it.
            transformer = pipeline.Fit(data);
            cancellationToken.ThrowIfCancellationRequested();
            // A corpus of near-copies spans fewer directions than the rank asked for: the
            // projection then holds NaN (and could not be loaded again). Ask for fewer.
            if (ProjectsFinitely(ml, transformer, rows, analysis.InputSchema))
            {
                break;
            }
            if (rank <= 1)
            {
                throw new ArgumentException("The articles are too much alike to fit a model on: their texts vary in no direction.", nameof(corpus));
            }
            rank /= 2;
        }

        var weights = ComponentWeights(ml, transformer, data, rank, _options.ComponentExponent);
        var fitSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var fittedAt = _clock.GetUtcNow();
        var info = new ModelInfo(
            versionPrefix + NewVersion(fittedAt, corpus),
            fittedAt,
            corpus.Count,
            rank + (SentenceShare > 0 ? SentenceEmbedding.Dimensions : 0),
            Math.Round(fitSeconds, 3),
            Describe(rank, vocabulary.Count, minArticles, splitCompounds))
        { CorpusArticles = Math.Max(corpusArticles, corpus.Count), Format = CurrentFormat };
        return new MlNetFeaturizerModel(ml, transformer, data.Schema, info, analysis, weights);
    }

    /// <summary>
    /// Each component's weight: its singular value to the power <paramref name="exponent"/> − 1
    /// (the projection's coordinates already carry it once), taken as the root mean square of that
    /// coordinate over the fitting rows and scaled so that the largest weight is 1; null for the
    /// plain projection (exponent 1).
    /// </summary>
    private static float[]? ComponentWeights(MLContext ml, ITransformer transformer, IDataView data, int rank, double exponent)
    {
        if (exponent == 1)
        {
            return null;
        }
        var squares = new double[rank];
        foreach (var row in ml.Data.CreateEnumerable<ProjectedOutput>(transformer.Transform(data), reuseRowObject: true))
        {
            for (var d = 0; d < rank && d < row.Projected.Length; d++)
            {
                squares[d] += (double)row.Projected[d] * row.Projected[d];
            }
        }
        var weights = squares.Select(s => Math.Pow(s, (exponent - 1) / 2)).ToArray();
        var largest = weights.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        return [.. weights.Select(w => double.IsFinite(w) && largest > 0 ? (float)(w / largest) : 0f)];
    }

    /// <summary>Whether the fitted projection maps (a sample of) the fitting rows to finite vectors.</summary>
    private static bool ProjectsFinitely(MLContext ml, ITransformer transformer, List<SparseInput> rows, SchemaDefinition inputSchema)
    {
        var sample = rows.Where(r => r.Terms.GetValues().Length > 0).Take(20).ToList();
        var projected = ml.Data.CreateEnumerable<FeaturesOutput>(transformer.Transform(ml.Data.LoadFromEnumerable(sample, inputSchema)), reuseRowObject: false);
        return projected.All(p => p.Features.All(float.IsFinite));
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
    /// <see cref="WordsPerRequiredArticle"/> words in the corpus (3 from 150,000: a thousand
    /// articles of 150 words, ten thousand headlines with a sentence), since the more words, the
    /// more pairs of articles share a rare one by chance. Short items share few words at all, so a
    /// corpus of them keeps the words two of them share.
    /// </summary>
    /// <param name="words">The corpus's words, each counted once per article it is in.</param>
    internal static int MinArticlesPerTerm(long words, int configured) =>
        (int)Math.Min(configured, Math.Max(2, words / WordsPerRequiredArticle));

    private const int WordsPerRequiredArticle = 50_000;

    /// <summary>The hybrid mode's share for the sentence embedding; 0 when it is off.</summary>
    private double SentenceShare => _options.SentenceModel == SentenceEmbedding.MiniLm ? _options.SentenceModelShare : 0;

    /// <summary>The n-gram length fitted with: none when their share is 0.</summary>
    private int CharNGrams => _options.CharNGramShare > 0 ? _options.CharNGramLength : 0;

    private static TermWeighting Weighting(string option) => option switch
    {
        "SublinearTfIdf" => TermWeighting.Sublinear,
        "Idf" => TermWeighting.Presence,
        "TfIdf" => TermWeighting.Count,
        _ => throw new ArgumentException($"Unknown weighting {option}.", nameof(option)),
    };

    public IFeaturizerModel Load(Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        SavedModel saved;
        using (var infoStream = Entry(archive, InfoEntry).Open())
        {
            saved = JsonSerializer.Deserialize<SavedModel>(infoStream) ?? throw new InvalidDataException($"{InfoEntry} is empty.");
        }
        if (saved.Format < CurrentFormat || saved.Weighting is not { } weighting)
        {
            throw new InvalidDataException(
                $"The model {saved.Info.Version} was saved in format {saved.Format}, before per-language analysis (format {CurrentFormat}); it must be refitted.");
        }
        TermVocabulary vocabulary;
        using (var vocabularyStream = Entry(archive, VocabularyEntry).Open())
        {
            vocabulary = TermVocabulary.Read(vocabularyStream, weighting, saved.CharNGramShare);
        }
        if (saved.ComponentWeights is { } weights && weights.Length != saved.Info.Dimensions - (saved.SentenceModel is null ? 0 : SentenceEmbedding.Dimensions))
        {
            throw new InvalidDataException($"The model {saved.Info.Version} has {weights.Length} component weights for {saved.Info.Dimensions} dimensions.");
        }
        var ml = new MLContext(seed: _options.Seed);
        using var pipelineStream = new MemoryStream();
        using (var source = Entry(archive, PipelineEntry).Open())
        {
            source.CopyTo(pipelineStream);
        }
        pipelineStream.Position = 0;
        var transformer = ml.Model.Load(pipelineStream, out var schema);
        return new MlNetFeaturizerModel(ml, transformer, schema, saved.Info, new AnalysisSettings(vocabulary, saved.TitleWeight, saved.MainLanguage ?? "", saved.CommonTerms ?? [], saved.CharNGrams)
        {
            SentenceShare = saved.SentenceModel == SentenceEmbedding.ModelName ? saved.SentenceModelShare : 0,
            SplitCompounds = saved.SplitCompounds,
        }, saved.ComponentWeights);
    }

    private static ZipArchiveEntry Entry(ZipArchive archive, string name) =>
        archive.GetEntry(name) ?? throw new InvalidDataException($"The model has no {name}.");

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

    /// <summary>Writes the ML.NET pipeline, the vocabulary and the model's info into one zip.</summary>
    internal static void Save(MLContext ml, ITransformer transformer, DataViewSchema schema, ModelInfo info, AnalysisSettings analysis, float[]? componentWeights, Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var pipeline = archive.CreateEntry(PipelineEntry, CompressionLevel.Fastest).Open())
        {
            ml.Model.Save(transformer, schema, pipeline);
        }
        using (var vocabulary = archive.CreateEntry(VocabularyEntry, CompressionLevel.Fastest).Open())
        {
            analysis.Vocabulary.Write(vocabulary);
        }
        using var infoStream = archive.CreateEntry(InfoEntry, CompressionLevel.Fastest).Open();
        JsonSerializer.Serialize(infoStream,
            new SavedModel(info, analysis.TitleWeight, analysis.Vocabulary.Weighting, CurrentFormat, [.. analysis.CommonTerms], analysis.MainLanguage,
                analysis.CharNGrams, analysis.Vocabulary.NGramShare,
                analysis.SentenceShare > 0 ? SentenceEmbedding.ModelName : null, analysis.SentenceShare, componentWeights, analysis.SplitCompounds), SavedModelJson);
    }

    private static readonly JsonSerializerOptions SavedModelJson = new() { WriteIndented = true };

    private string Describe(int rank, int vocabulary, int minArticles, bool splitCompounds) =>
        $"Lucene.NET analysis per language (stop words, stemming, accents folded), words and word pairs in ≥ {minArticles} articles " +
        $"({vocabulary:N0} kept, ≤ {_options.MaxVocabulary:N0} of each kind) weighted {_options.Weighting}, title ×{_options.TitleWeight}, " +
        (CharNGrams > 0 ? $"character {CharNGrams}-grams of each word ({_options.CharNGramShare:0.##} of the length), " : "") +
        (splitCompounds ? "German compounds also counted as the parts the vocabulary knows, " : "") + "L2, " +
        $"ML.NET PCA rank {rank}" + (_options.RankPerRootArticle > 0 ? $" ({_options.RankPerRootArticle} × √articles, ≤ {_options.Dimensions})" : "") +
        (_options.ComponentExponent != 1 ? $", components weighted by singular value^{_options.ComponentExponent:0.##}" : "") + ", L2" +
        (SentenceShare > 0 ? $"; English articles fused with {SentenceEmbedding.ModelName} of headline and lead ({SentenceShare:0.##} of the similarity)" : "");

    /// <summary>A sortable, unique version: fit time plus a hash of the corpus and settings.</summary>
    private string NewVersion(DateTimeOffset fittedAt, IReadOnlyList<ArticleText> corpus)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{_options.Dimensions}|{_options.RankPerRootArticle}|{_options.ComponentExponent}|{_options.MaxVocabulary}|{_options.MinDocumentFrequency}|{_options.Weighting}|{_options.TitleWeight}|{CharNGrams}|{_options.CharNGramShare}|{_options.SplitCompounds}|{SentenceShare}|{_options.Seed}|{fittedAt.UtcTicks}")));
        foreach (var text in corpus)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text.Title));
            hash.AppendData(Encoding.UTF8.GetBytes(text.Body));
        }
        var suffix = Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 4));
        return fittedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + suffix;
    }

    /// <summary>
    /// model.json: what a loaded model needs besides the ML.NET pipeline (format 1 had no weighting
    /// or format; a model saved before character n-grams has none, and reads as such; one saved
    /// before component weights has none, and projects plainly; one saved before compounds were
    /// split does not split them).
    /// </summary>
    private sealed record SavedModel(
        ModelInfo Info, int TitleWeight, TermWeighting? Weighting = null, int Format = 1, string[]? CommonTerms = null, string? MainLanguage = null,
        int CharNGrams = 0, double CharNGramShare = 0, string? SentenceModel = null, double SentenceModelShare = 0, float[]? ComponentWeights = null,
        bool SplitCompounds = false);
}

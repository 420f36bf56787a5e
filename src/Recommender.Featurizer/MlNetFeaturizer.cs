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

namespace Recommender.Featurizer;

/// <summary>
/// Fits the ML.NET text pipeline:
/// normalize (lower case, no diacritics, punctuation or digits) → words → English stop words removed
/// → word 1–2-grams over a capped vocabulary, weighted by inverse document frequency → L2 →
/// principal components → L2. The projection (latent semantic analysis) turns tens of thousands of
/// sparse dimensions into a hundred-odd dense ones: vectors that are cheap to store and scan, and
/// that match articles sharing a topic rather than exact words.
/// </summary>
public sealed class MlNetFeaturizer(IOptions<FeaturizerOptions> options) : IFeaturizer
{
    internal const string TextColumn = nameof(TextInput.Text);
    internal const string FeaturesColumn = "Features";
    internal const string TermsColumn = "Sparse";
    private const string PipelineEntry = "pipeline.zip";
    private const string InfoEntry = "model.json";

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
        var data = ml.Data.LoadFromEnumerable(corpus.Select(t => TextInput.From(t, _options.TitleWeight)));
        // The projection cannot keep more components than there are articles to tell apart.
        var rank = Math.Min(_options.Dimensions, corpus.Count - 1);

        var pipeline = ml.Transforms.Text.NormalizeText("Normalized", TextColumn,
                caseMode: TextNormalizingEstimator.CaseMode.Lower,
                keepDiacritics: false, keepPunctuations: false, keepNumbers: false)
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Normalized"))
            .Append(ml.Transforms.Text.RemoveDefaultStopWords("Words", "Words",
                StopWordsRemovingEstimator.Language.English))
            .Append(ml.Transforms.Conversion.MapValueToKey("WordKeys", "Words"))
            .Append(ml.Transforms.Text.ProduceNgrams("Ngrams", "WordKeys",
                ngramLength: 2, useAllLengths: true,
                maximumNgramsCount: _options.MaxVocabulary,
                weighting: Enum.Parse<NgramExtractingEstimator.WeightingCriteria>(_options.Weighting)))
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
            Describe(rank)) { CorpusArticles = Math.Max(corpusArticles, corpus.Count) };
        return new MlNetFeaturizerModel(ml, transformer, data.Schema, info, _options.TitleWeight);
    }

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
        var transformer = ml.Model.Load(pipelineStream, out var schema);
        return new MlNetFeaturizerModel(ml, transformer, schema, saved.Info, saved.TitleWeight);
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
    internal static void Save(MLContext ml, ITransformer transformer, DataViewSchema schema, ModelInfo info, int titleWeight, Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var pipeline = archive.CreateEntry(PipelineEntry, CompressionLevel.Fastest).Open())
        {
            ml.Model.Save(transformer, schema, pipeline);
        }
        using var infoStream = archive.CreateEntry(InfoEntry, CompressionLevel.Fastest).Open();
        JsonSerializer.Serialize(infoStream, new SavedModel(info, titleWeight), SavedModelJson);
    }

    private static readonly JsonSerializerOptions SavedModelJson = new() { WriteIndented = true };

    private string Describe(int rank) =>
        $"ML.NET: normalized words minus English stop words, word 1-2-grams weighted {_options.Weighting} (vocabulary ≤ {_options.MaxVocabulary:N0}), " +
        $"title ×{_options.TitleWeight}, L2, PCA rank {rank}, L2";

    /// <summary>A sortable, unique version: fit time plus a hash of the corpus and settings.</summary>
    private string NewVersion(DateTimeOffset fittedAt, IReadOnlyList<ArticleText> corpus)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{_options.Dimensions}|{_options.MaxVocabulary}|{_options.Weighting}|{_options.TitleWeight}|{_options.Seed}|{fittedAt.UtcTicks}")));
        foreach (var text in corpus)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text.Title));
            hash.AppendData(Encoding.UTF8.GetBytes(text.Body));
        }
        var suffix = Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 4));
        return fittedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + suffix;
    }

    private sealed record SavedModel(ModelInfo Info, int TitleWeight);
}

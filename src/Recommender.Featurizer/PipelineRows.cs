using Microsoft.ML.Data;

namespace Recommender.Featurizer;

/// <summary>The ML.NET pipeline's input row: the article's L2-normalized term weights over the vocabulary.</summary>
internal sealed class SparseInput
{
    [ColumnName(MlNetFeaturizer.SparseColumn)]
    public VBuffer<float> Terms { get; set; }
}

/// <summary>The pipeline's output row.</summary>
internal sealed class FeaturesOutput
{
    [ColumnName(MlNetFeaturizer.FeaturesColumn)]
    public float[] Features { get; set; } = [];
}

/// <summary>The projection's coordinates before normalization, read once at fit time to weigh the components.</summary>
internal sealed class ProjectedOutput
{
    [ColumnName(MlNetFeaturizer.ProjectedColumn)]
    public float[] Projected { get; set; } = [];
}

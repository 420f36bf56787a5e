namespace Recommender.Core.Articles;

/// <summary>An unsaved article to preview a list for; its section and tags select the editorial rules that apply.</summary>
public sealed record Draft(string Title, string Body, string Language = "", string Section = "", IReadOnlyList<string>? Tags = null)
{
    public IReadOnlyList<string> Tags { get; init; } = Tags ?? [];
}

using Recommender.Core.Articles;

namespace Recommender.Core.Editorial;

/// <summary>The editorial rules of a namespace, as the ranker reads them. Immutable: replaced whole on change.</summary>
public sealed class RuleSet
{
    public static readonly RuleSet Empty = new([]);

    private readonly EditorialRule[] _blocks;
    private readonly EditorialRule[] _pins;

    public RuleSet(IEnumerable<EditorialRule> rules)
    {
        All = rules.OrderBy(r => r.Created).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        _blocks = All.Where(r => r.Action == RuleAction.Block).ToArray();
        _pins = All.Where(r => r.Action == RuleAction.Pin).ToArray();
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<EditorialRule> All { get; }

    /// <summary>Whether an active block keeps <paramref name="candidate"/> out of the list of <paramref name="self"/>.</summary>
    public bool Blocks(ArticleInfo candidate, ArticleInfo self, DateTimeOffset now)
    {
        foreach (var rule in _blocks)
        {
            if (rule.IsActive(now) && rule.Matches(candidate) && rule.AppliesToListOf(self))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The active pins into the list of <paramref name="self"/>, by position (then oldest first).</summary>
    public IReadOnlyList<EditorialRule> PinsFor(ArticleInfo self, DateTimeOffset now)
    {
        if (_pins.Length == 0 || self.Id.Length == 0)
        {
            return [];
        }
        return _pins.Where(r => r.IsActive(now) && r.AppliesToListOf(self)).OrderBy(r => r.Position).ToList();
    }
}

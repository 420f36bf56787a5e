using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine.Changes;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Editorial;

/// <summary>
/// The namespace's editorial rules: served from memory, edited in the store (one edit or reload at
/// a time), and reloaded when another replica announces an edit.
/// </summary>
internal sealed class EditorialRules(EngineScope scope, IRuleStore store, StoreAvailability availability, InputLimits limits, ServingState state, ChangeAnnouncer announcer)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile RuleSet _rules = RuleSet.Empty;

    /// <summary>The rules as last read from the store.</summary>
    public RuleSet Current => _rules;

    /// <summary>
    /// Validates and stores a rule, with a new id and creation time; it applies to the next list
    /// here at once and on other replicas when they hear of it. A pin's two articles must be stored.
    /// A rule already added with <paramref name="requestId"/>, or one that says the same, is returned
    /// instead of being added again (a retried request adds one rule).
    /// </summary>
    public async Task<EditorialRule> AddAsync(EditorialRule rule, string requestId, CancellationToken cancellationToken)
    {
        var now = scope.Clock.GetUtcNow();
        rule = rule with
        {
            Section = TextNormalization.Label(rule.Section),
            Tag = TextNormalization.Label(rule.Tag),
            UnderSection = TextNormalization.Label(rule.UnderSection),
            UnderTag = TextNormalization.Label(rule.UnderTag),
        };
        rule.Validate(limits, now);
        ArticleRules.ValidateText(requestId, "request_id", EditorialRule.MaxRequestIdLength, nameof(EditorialRule.MaxRequestIdLength), required: false, multiline: false);
        if (rule.Action == RuleAction.Pin)
        {
            foreach (var id in new[] { rule.ArticleId, rule.InListOf })
            {
                if (!state.Current.Index.TryGet(id, out _, out _))
                {
                    throw new ArticleNotFoundException(id);
                }
            }
        }
        availability.Ensure();
        EditorialRule? result = null;
        await EditAsync(async stored =>
        {
            result = stored.FirstOrDefault(r => requestId.Length > 0 && r.RequestId == requestId) ?? stored.FirstOrDefault(r => r.SameAs(rule));
            if (result is not null)
            {
                return false;
            }
            result = rule with { Id = "r-" + Guid.NewGuid().ToString("n")[..12], Created = now, RequestId = requestId };
            await store.SaveRuleAsync(result, cancellationToken);
            return true;
        }, cancellationToken);
        return result!;
    }

    /// <summary>Removes a rule; NotFound when there is none with that id.</summary>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestValidationException("id", "is required");
        }
        availability.Ensure();
        var removed = false;
        await EditAsync(async _ => removed = await store.DeleteRuleAsync(id, cancellationToken), cancellationToken);
        if (!removed)
        {
            throw new NotFoundException($"There is no editorial rule '{id}'.", ErrorReason.RuleNotFound);
        }
    }

    /// <summary>Most rules in one page of ListRules.</summary>
    public const int MaxPageSize = 1_000;

    /// <summary>A page of the rules, oldest first (every rule when <paramref name="pageSize"/> is 0 and no token is given).</summary>
    public (IReadOnlyList<EditorialRule> Rules, string NextPageToken) Page(int pageSize, string pageToken)
    {
        var all = _rules.All;
        var offset = PageToken.DecodeOffset("rules", pageToken);
        var size = pageSize == 0 && offset == 0 ? Math.Max(all.Count, 1) : PageToken.Size(pageSize, MaxPageSize, MaxPageSize);
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + page.Count < all.Count ? PageToken.Encode("rules", (offset + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture)) : "";
        return (page, next);
    }

    /// <summary>
    /// Runs one change against the rules as stored (under the gate, so edits here do not interleave),
    /// then serves the rules as stored; when <paramref name="edit"/> says it changed them, tells the other replicas.
    /// </summary>
    private async Task EditAsync(Func<IReadOnlyList<EditorialRule>, Task<bool>> edit, CancellationToken cancellationToken)
    {
        bool changed;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            changed = await edit(await store.GetRulesAsync(cancellationToken));
            _rules = new RuleSet(await store.GetRulesAsync(cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
        if (changed)
        {
            await announcer.PublishRulesChangedAsync();
        }
    }

    /// <summary>Serves the rules as stored (at start, and when another replica changed them).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _rules = new RuleSet(await store.GetRulesAsync(cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }
}

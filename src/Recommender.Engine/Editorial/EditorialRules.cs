using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Engine.Replicas;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Editorial;

/// <summary>
/// The namespace's editorial rules: served from memory, edited in the store (one edit or reload at
/// a time), and reloaded when another replica announces an edit.
/// </summary>
internal sealed class EditorialRules(EngineContext context, ServingState state, ReplicaSync replicas)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile RuleSet _rules = RuleSet.Empty;

    /// <summary>The rules as last read from the store.</summary>
    public RuleSet Current => _rules;

    /// <summary>
    /// Validates and stores a rule, with a new id and creation time; it applies to the next list
    /// here at once and on other replicas when they hear of it. A pin's two articles must be stored.
    /// </summary>
    public async Task<EditorialRule> AddAsync(EditorialRule rule, CancellationToken cancellationToken)
    {
        var now = context.Clock.GetUtcNow();
        rule.Validate(context.Limits, now);
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
        context.EnsureStoreAvailable();
        rule = rule with { Id = "r-" + Guid.NewGuid().ToString("n")[..12], Created = now };
        await EditAsync(() => context.Store.Rules.SaveRuleAsync(rule, cancellationToken), cancellationToken);
        return rule;
    }

    /// <summary>Removes a rule; NotFound when there is none with that id.</summary>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestValidationException("id", "is required");
        }
        context.EnsureStoreAvailable();
        var removed = false;
        await EditAsync(async () => removed = await context.Store.Rules.DeleteRuleAsync(id, cancellationToken), cancellationToken);
        if (!removed)
        {
            throw new NotFoundException($"There is no editorial rule '{id}'.");
        }
    }

    /// <summary>Serves the rules as stored (at start, and when another replica changed them).</summary>
    public Task LoadAsync(CancellationToken cancellationToken) => LoadAsync(null, cancellationToken);

    /// <summary>Runs one change to the stored rules, then serves the rules as stored and tells the other replicas.</summary>
    private async Task EditAsync(Func<Task> edit, CancellationToken cancellationToken)
    {
        await LoadAsync(edit, cancellationToken);
        await replicas.PublishRulesChangedAsync();
    }

    /// <summary>Serves the rules as stored, after <paramref name="edit"/> (if any) changed them.</summary>
    private async Task LoadAsync(Func<Task>? edit, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (edit is not null)
            {
                await edit();
            }
            _rules = new RuleSet(await context.Store.Rules.GetRulesAsync(cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }
}

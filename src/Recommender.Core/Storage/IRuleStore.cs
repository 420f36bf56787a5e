using Recommender.Core.Editorial;

namespace Recommender.Core.Storage;

/// <summary>The namespace's editorial rules.</summary>
public interface IRuleStore
{
    /// <summary>Every editorial rule of the namespace.</summary>
    Task<IReadOnlyList<EditorialRule>> GetRulesAsync(CancellationToken cancellationToken);

    /// <summary>Adds or replaces a rule by its id.</summary>
    Task SaveRuleAsync(EditorialRule rule, CancellationToken cancellationToken);

    /// <summary>Deletes a rule; false when there was none with that id.</summary>
    Task<bool> DeleteRuleAsync(string id, CancellationToken cancellationToken);
}

namespace Recommender.Core.Errors;

/// <summary>A bounded resource is used up: this process's namespace slots, or the store's memory (RESOURCE_EXHAUSTED).</summary>
public class QuotaExceededException(string message, string reason) : ReasonedException(message, reason);

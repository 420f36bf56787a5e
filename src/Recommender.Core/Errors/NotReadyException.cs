namespace Recommender.Core.Errors;

/// <summary>The namespace is still starting (model load, index build) or reloading (UNAVAILABLE); retry shortly.</summary>
public sealed class NotReadyException(string message = NotReadyException.Starting) : ReasonedException(message, ErrorReason.NotReady)
{
    public const string Starting = "The service is starting: the model and index are not ready yet.";
}

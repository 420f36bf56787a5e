namespace Recommender.Core.Errors;

/// <summary>
/// A write the store took but fewer of its replicas confirmed in time than configured: it may be
/// lost if the store's master fails now. Sending the same write again is safe.
/// </summary>
public sealed class ReplicationUnconfirmedException(string message) : ReasonedException(message, ErrorReason.ReplicationUnconfirmed);

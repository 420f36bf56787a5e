namespace Recommender.Core.Feedback;

/// <summary>
/// A verified event to count: the event, the section of its article, and the list it names (when it
/// was issued and its random nonce, which together tell one list from every other).
/// </summary>
public sealed record FeedbackRecord(FeedbackEvent Event, string Section, DateTimeOffset ListIssuedAt, byte[] ListNonce);

/// <summary>
/// How resent events are told apart: each (list, kind, position) is remembered for <paramref name="Window"/>
/// (the lists' own lifetime for feedback), but at most <paramref name="Capacity"/> of them over that
/// window, so that the memory it takes is bounded whatever is sent. Past it, events are still counted,
/// and a resent one may count twice: a flood skews counts (within its rate limit) but never shuts out readers.
/// </summary>
public sealed record FeedbackDeduplication(TimeSpan Window, int Capacity);

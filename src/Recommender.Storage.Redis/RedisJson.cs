using System.Text.Json.Serialization;
using Recommender.Core.Abstractions;
using Recommender.Core.Editorial;
using Recommender.Core.Storage;

namespace Recommender.Storage.Redis;

/// <summary>
/// The JSON the store writes (model info, rules, change notices, tags), generated at compile time.
/// Default options: the same documents the reflection-based serializer wrote, so stored data reads back.
/// </summary>
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(EditorialRule))]
[JsonSerializable(typeof(ChangeNotice))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class RedisJson : JsonSerializerContext;

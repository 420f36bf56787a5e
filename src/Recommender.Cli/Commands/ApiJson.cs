using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Recommender.Cli.Commands;

/// <summary>
/// A message as the service's JSON routes write it, so that <c>--json</c> prints what
/// <c>/v1/...</c> answers: the proto3 JSON mapping (lowerCamelCase names, enums by name, times in
/// RFC 3339), fields at their default values written out, and 64-bit integers as numbers, as gRPC
/// JSON transcoding writes them by default (Google.Protobuf writes them as strings).
/// </summary>
internal static class ApiJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    /// <summary>For what the CLI prints that is no rpc's answer (an import's summary, eval, bench): the same naming.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonObject ToNode(IMessage message)
    {
        var node = JsonNode.Parse(Formatter.Format(message))!.AsObject();
        Int64sAsNumbers(node, message.Descriptor);
        return node;
    }

    public static string Format(IMessage message) => ToNode(message).ToJsonString(SerializerOptions);

    private static void Int64sAsNumbers(JsonObject json, MessageDescriptor descriptor)
    {
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (json[field.JsonName] is not { } value)
            {
                continue;
            }
            var values = field.IsRepeated && !field.IsMap && value is JsonArray array ? array.ToList() : [value];
            foreach (var item in values)
            {
                if (item is null)
                {
                    continue;
                }
                if (field.FieldType is FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 or FieldType.UInt64 or FieldType.Fixed64 &&
                    item.GetValueKind() == System.Text.Json.JsonValueKind.String)
                {
                    var number = JsonValue.Create(decimal.Parse(item.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
                    if (item.Parent is JsonArray parent)
                    {
                        parent[parent.IndexOf(item)] = number;
                    }
                    else
                    {
                        json[field.JsonName] = number;
                    }
                }
                else if (field.FieldType == FieldType.Message && !field.IsMap && item is JsonObject inner &&
                    field.MessageType.File.Package != "google.protobuf")
                {
                    Int64sAsNumbers(inner, field.MessageType);
                }
            }
        }
    }
}

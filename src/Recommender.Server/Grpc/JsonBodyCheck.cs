using System.Globalization;
using System.Text.Json;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Recommender.Api.V1;
using Recommender.Core.Articles;

namespace Recommender.Server.Grpc;

/// <summary>
/// Checks the JSON body and the query string of a transcoded request against its message before
/// gRPC JSON transcoding reads them, so that a bad value or a misspelt field is a 400 naming the
/// field (<c>options.limit</c>, <c>articles[0].published</c>, <c>updated_after</c>), as a gRPC call's
/// error would; transcoding alone says only "Request JSON payload is not correctly formatted" (or
/// "Invalid Timestamp value") and ignores unknown fields.
/// </summary>
public static class JsonBodyCheck
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        UnescapePathParameters(context);
        if (TranscodedMethod(context) is { } method)
        {
            var shorthand = HttpMethods.IsGet(context.Request.Method) ? method.InputType.FindFieldByName(ShorthandField)?.MessageType : null;
            var (queryField, queryProblem) = CheckQuery(context.Request.Query, method.InputType, shorthand);
            if (queryProblem is null && shorthand is not null)
            {
                (queryField, queryProblem) = ExpandShorthand(context, method.InputType);
            }
            if (queryProblem is not null)
            {
                await RefuseAsync(context, queryField!, queryProblem);
                return;
            }
        }
        if (BodyDescriptor(context) is not { } body || context.Request.ContentLength == 0)
        {
            await next(context);
            return;
        }
        context.Request.EnableBuffering();
        string? field = null, problem = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            (field, problem) = Check(document.RootElement, body.Message, body.Prefix);
        }
        catch (JsonException ex)
        {
            (field, problem) = ("body", $"is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }
        if (problem is not null)
        {
            await RefuseAsync(context, field!, problem);
            return;
        }
        context.Request.Body.Position = 0;
        await next(context);
    }

    /// <summary>
    /// A path parameter sent percent-encoded (an id "2026/12/rail-strike" as 2026%2F12%2Frail-strike,
    /// what PHP's rawurlencode and JavaScript's encodeURIComponent make of it) is decoded: the router
    /// leaves %2F encoded so as not to change the path's segments. No valid id holds a '%'.
    /// </summary>
    private static void UnescapePathParameters(HttpContext context)
    {
        if (TranscodedMethod(context) is null)
        {
            return;
        }
        foreach (var (key, value) in context.Request.RouteValues.ToList())
        {
            if (value is string text && text.Contains('%', StringComparison.Ordinal))
            {
                context.Request.RouteValues[key] = Uri.UnescapeDataString(text);
            }
        }
    }

    /// <summary>The rpc a JSON route calls; null for gRPC calls and other requests.</summary>
    private static MethodDescriptor? TranscodedMethod(HttpContext context) =>
        context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true &&
        context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method is { } method &&
        method.ServiceName == RecommenderService.Descriptor.FullName
            ? RecommenderService.Descriptor.FindMethodByName(method.Name)
            : null;

    /// <summary>
    /// The field whose own fields a GET route also takes by their short names:
    /// GET /v1/related?id=a&amp;limit=5 is options.limit=5, the form a CDN-cached URL wants.
    /// </summary>
    private const string ShorthandField = "options";

    private const string ShortenedKeysItem = "recommender.shortened-query-keys";

    /// <summary>
    /// A field path as the caller of a GET route spelled it: "options.limit" is "limit" when the
    /// query said limit=. Other paths, and other requests, unchanged.
    /// </summary>
    public static string AsCallerSpelled(HttpContext context, string path) =>
        context.Items[ShortenedKeysItem] is HashSet<string> shortened && path.StartsWith(ShorthandField + ".", StringComparison.Ordinal) &&
        shortened.Contains(path[(ShorthandField.Length + 1)..].Split('.', '[')[0])
            ? path[(ShorthandField.Length + 1)..]
            : path;

    /// <summary>
    /// Rewrites short query keys (limit) to their field paths (options.limit) for transcoding, and
    /// remembers them for errors; a field given both ways is refused.
    /// </summary>
    private static (string? Field, string? Problem) ExpandShorthand(HttpContext context, MessageDescriptor request)
    {
        var query = context.Request.Query;
        var shortened = query.Keys.Where(k => !k.Contains('.') && FindField(request, k) is null).ToHashSet(StringComparer.Ordinal);
        if (shortened.FirstOrDefault(k => query.ContainsKey($"{ShorthandField}.{k}")) is { } twice)
        {
            return (twice, $"is given twice, as {twice} and as {ShorthandField}.{twice}: give one");
        }
        if (shortened.Count > 0)
        {
            context.Items[ShortenedKeysItem] = shortened;
            context.Request.Query = new QueryCollection(query.ToDictionary(
                p => shortened.Contains(p.Key) ? $"{ShorthandField}.{p.Key}" : p.Key, p => p.Value, StringComparer.Ordinal));
        }
        return (null, null);
    }

    private static FieldDescriptor? FindField(MessageDescriptor message, string name) =>
        message.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name || f.Name == name);

    /// <summary>
    /// The first query parameter that names no field of the request (nor, when a GET route takes
    /// short names, of <paramref name="shorthand"/>), or whose value does not fit it.
    /// </summary>
    private static (string? Field, string? Problem) CheckQuery(IQueryCollection query, MessageDescriptor message, MessageDescriptor? shorthand)
    {
        foreach (var (key, values) in query)
        {
            var type = shorthand is not null && !key.Contains('.') && FindField(message, key) is null ? shorthand : message;
            FieldDescriptor? field = null;
            var path = "";
            foreach (var part in key.Split('.'))
            {
                field = type is null ? null : FindField(type, part);
                if (field is null)
                {
                    return (key, shorthand is null ? $"is not a field of {message.Name}" : $"is not a field of {message.Name} nor of {shorthand.Name}");
                }
                path += (path.Length == 0 ? "" : ".") + part; // as the caller spelled it
                type = field.FieldType == FieldType.Message ? field.MessageType : null;
            }
            foreach (var value in values)
            {
                // A query value is text; a bool's is the word itself (explain=true), as transcoding reads it.
                using var json = JsonDocument.Parse(field!.FieldType == FieldType.Bool && value is "true" or "false" ? value : JsonSerializer.Serialize(value));
                var result = CheckValue(json.RootElement, field!, path);
                if (result.Problem is not null)
                {
                    return result;
                }
            }
        }
        return (null, null);
    }

    /// <summary>The message a JSON route's body holds (the request, or one field of it) and its path; null for other requests.</summary>
    private static (MessageDescriptor Message, string Prefix)? BodyDescriptor(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsDelete(request.Method) ||
            TranscodedMethod(context) is not { } descriptor)
        {
            return null;
        }
        var rule = descriptor.GetOptions()?.GetExtension(AnnotationsExtensions.Http);
        return rule?.Body switch
        {
            null or "" => null,
            "*" => (descriptor.InputType, ""),
            var name when descriptor.InputType.FindFieldByName(name) is { FieldType: FieldType.Message } f => (f.MessageType, name + "."),
            _ => null,
        };
    }

    /// <summary>The first field whose value does not fit, and why; (null, null) when all fit.</summary>
    private static (string? Field, string? Problem) Check(JsonElement json, MessageDescriptor message, string prefix)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return (prefix.Length == 0 ? "body" : prefix.TrimEnd('.'), $"must be a JSON object ({message.Name})");
        }
        foreach (var property in json.EnumerateObject())
        {
            var field = FindField(message, property.Name);
            if (field is null)
            {
                return (prefix + property.Name, $"is not a field of {message.Name}");
            }
            var path = prefix + property.Name; // as the caller spelled it
            var result = field.IsRepeated ? CheckRepeated(property.Value, field, path) : CheckValue(property.Value, field, path);
            if (result.Problem is not null)
            {
                return result;
            }
        }
        return (null, null);
    }

    private static (string? Field, string? Problem) CheckRepeated(JsonElement json, FieldDescriptor field, string path)
    {
        if (json.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }
        if (field.IsMap)
        {
            if (json.ValueKind != JsonValueKind.Object)
            {
                return (path, "must be a JSON object");
            }
            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in json.EnumerateObject())
            {
                var result = CheckValue(entry.Value, valueField, $"{path}[{entry.Name}]");
                if (result.Problem is not null)
                {
                    return result;
                }
            }
            return (null, null);
        }
        if (json.ValueKind != JsonValueKind.Array)
        {
            return (path, "must be a JSON array");
        }
        var i = 0;
        foreach (var item in json.EnumerateArray())
        {
            var result = CheckValue(item, field, $"{path}[{i++}]");
            if (result.Problem is not null)
            {
                return result;
            }
        }
        return (null, null);
    }

    private static (string? Field, string? Problem) CheckValue(JsonElement json, FieldDescriptor field, string path)
    {
        if (json.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }
        string? problem = field.FieldType switch
        {
            FieldType.String => json.ValueKind != JsonValueKind.String ? "must be a string"
                : IsUnicode(json) ? null : "holds an unpaired surrogate (an escape such as \\ud800 without its pair): not valid Unicode text",
            FieldType.Bool => json.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "must be true or false",
            FieldType.Bytes => json.ValueKind == JsonValueKind.String && json.TryGetBytesFromBase64(out _) ? null : "must be base64 text",
            FieldType.Float or FieldType.Double => IsNumber(json) ? null : "must be a number",
            FieldType.Enum => IsEnum(json, field.EnumType) ? null
                : $"must be one of {string.Join(", ", field.EnumType.Values.Select(v => v.Name))}",
            FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName =>
                json.ValueKind != JsonValueKind.String ? $"must be {Rfc3339.Format}"
                : Rfc3339.TryParse(json.GetString(), out _) ? null
                : $"must be {Rfc3339.Format}: {Rfc3339.Problem(json.GetString()!)}",
            FieldType.Message when field.MessageType.FullName == Duration.Descriptor.FullName =>
                json.ValueKind == JsonValueKind.String && json.GetString() is { Length: > 1 } d && d[^1] == 's' &&
                decimal.TryParse(d[..^1], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)
                    ? null : "must be a duration in seconds such as \"604800s\"",
            FieldType.Message => null,
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => IsInteger(json, int.MinValue, int.MaxValue) ? null : "must be a whole number (32-bit)",
            FieldType.UInt32 or FieldType.Fixed32 => IsInteger(json, 0, uint.MaxValue) ? null : "must be a whole number from 0 (32-bit)",
            _ => IsInteger(json, long.MinValue, ulong.MaxValue) ? null : "must be a whole number",
        };
        if (problem is not null)
        {
            return (path, problem);
        }
        return field.FieldType == FieldType.Message && field.MessageType.FullName is not ("google.protobuf.Timestamp" or "google.protobuf.Duration")
            ? Check(json, field.MessageType, path + ".")
            : (null, null);
    }

    /// <summary>False for a string whose escapes leave a surrogate unpaired, which no UTF-8 text can hold.</summary>
    private static bool IsUnicode(JsonElement json)
    {
        try
        {
            _ = json.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool IsNumber(JsonElement json) =>
        json.ValueKind == JsonValueKind.Number ||
        (json.ValueKind == JsonValueKind.String && (json.GetString() is "NaN" or "Infinity" or "-Infinity" ||
            double.TryParse(json.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)));

    private static bool IsInteger(JsonElement json, decimal min, decimal max)
    {
        var text = json.ValueKind switch
        {
            JsonValueKind.Number => json.GetRawText(),
            JsonValueKind.String => json.GetString(),
            _ => null,
        };
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) &&
            value == decimal.Truncate(value) && value >= min && value <= max;
    }

    private static bool IsEnum(JsonElement json, EnumDescriptor type) => json.ValueKind switch
    {
        JsonValueKind.String => type.FindValueByName(json.GetString()) is not null,
        JsonValueKind.Number => json.TryGetInt32(out _),
        _ => false,
    };

    private static async Task RefuseAsync(HttpContext context, string field, string problem)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = $"{field}: {problem}",
            Details = { Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = problem } } }) },
        };
        await Http.JsonErrors.WriteAsync(context, StatusCodes.Status400BadRequest, status);
    }
}

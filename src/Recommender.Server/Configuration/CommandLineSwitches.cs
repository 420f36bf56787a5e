namespace Recommender.Server.Configuration;

/// <summary>
/// Short server switches, each an alias of a configuration key (which an environment variable can
/// set too, e.g. Recommender__Redis__Connection). Anything else passes through unchanged.
/// </summary>
public static class CommandLineSwitches
{
    public static readonly IReadOnlyDictionary<string, string> Map = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--port"] = "Recommender:Server:Port",
        ["--http-port"] = "Recommender:Server:HttpPort",
        ["--data-dir"] = "Recommender:Embedded:DataDir",
        ["--redis"] = "Recommender:Redis:Connection",
        ["--namespace"] = "Recommender:Redis:Namespace",
    };

    /// <summary>Rewrites "--port 5000" (or "--port=5000") as "--Recommender:Server:Port=5000".</summary>
    public static string[] Expand(string[] args)
    {
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? arg : arg[..eq];
            if (!Map.TryGetValue(name, out var key))
            {
                result.Add(arg);
                continue;
            }
            if (eq >= 0)
            {
                result.Add($"--{key}={arg[(eq + 1)..]}");
            }
            else if (i + 1 < args.Length)
            {
                result.Add($"--{key}={args[++i]}");
            }
            else
            {
                throw new ArgumentException($"Switch {name} needs a value ({key}).");
            }
        }
        return [.. result];
    }
}

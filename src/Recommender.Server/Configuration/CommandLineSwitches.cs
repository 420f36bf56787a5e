using System.Reflection;
using System.Text;

namespace Recommender.Server.Configuration;

/// <summary>
/// The server's command line. Short switches are aliases of configuration keys (which an
/// environment variable can set too, e.g. Recommender__Redis__Connection); a configuration key may
/// also be given whole ("--Recommender:Engine:BatchSize=200"), as may ASP.NET Core's own host
/// switches (--urls, --environment). Anything else is refused, naming it.
/// </summary>
public static class CommandLineSwitches
{
    public sealed record Switch(string Name, string Value, string Key, string Meaning, string Default);

    public static readonly IReadOnlyList<Switch> Switches =
    [
        new("--port", "N", "Recommender:Server:Port", "gRPC port (HTTP/2); 0 leaves it to --urls", "50051"),
        new("--http-port", "N", "Recommender:Server:HttpPort", "HTTP/1.1 port: /preview, the /v1 JSON routes, /healthz, /readyz, /metrics; 0 closes it", "8080"),
        new("--data-dir", "DIR", "Recommender:Embedded:DataDir", "the embedded store's folder, relative to the working folder", "data"),
        new("--redis", "CONNECTION", "Recommender:Redis:Connection", "use this Redis (a StackExchange.Redis configuration string) instead of the embedded store", "embedded"),
        new("--namespace", "NAME", "Recommender:Namespace", "the namespace of requests that name none", "default"),
    ];

    public static readonly IReadOnlyDictionary<string, string> Map =
        Switches.ToDictionary(s => s.Name, s => s.Key, StringComparer.Ordinal);

    /// <summary>
    /// ASP.NET Core's host settings, and the configuration sections given whole (a test host passes
    /// "--Recommender=" beside its keys), that may stand on the command line without a ':'.
    /// </summary>
    private static readonly HashSet<string> HostSwitches = new(StringComparer.OrdinalIgnoreCase)
    {
        "--urls", "--environment", "--applicationName", "--contentRoot", "--https_port",
        "--Recommender", "--Logging", "--Kestrel", "--AllowedHosts",
    };

    /// <summary>What the command line asks for: run the service with these arguments, or print and exit.</summary>
    public enum Action { Run, Help, Version }

    /// <summary>--help (-h, -?) or --version anywhere on the line, else Run.</summary>
    public static Action Requested(string[] args) =>
        args.Any(a => a is "--help" or "-h" or "-?") ? Action.Help
        : args.Contains("--version") ? Action.Version
        : Action.Run;

    /// <summary>
    /// Rewrites "--port 5000" (or "--port=5000") as "--Recommender:Server:Port=5000", keeps
    /// configuration keys and host switches, and refuses anything else with an ArgumentException
    /// naming it.
    /// </summary>
    public static string[] Expand(string[] args)
    {
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? arg : arg[..eq];
            if (Map.TryGetValue(name, out var key))
            {
                result.Add(eq >= 0 ? $"--{key}={arg[(eq + 1)..]}" : $"--{key}={Value(args, ref i, name, key)}");
                continue;
            }
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length == 2 ||
                !(name.Contains(':', StringComparison.Ordinal) || HostSwitches.Contains(name)))
            {
                throw new ArgumentException($"Unknown switch '{arg}'. Run with --help for the switches; any configuration key can be given as --Section:Key=VALUE.");
            }
            result.Add(eq >= 0 ? arg : $"{name}={Value(args, ref i, name, name[2..])}");
        }
        return [.. result];
    }

    private static string Value(string[] args, ref int i, string name, string key) =>
        i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Switch {name} needs a value ({key}).");

    /// <summary>The product and version, as --version prints it.</summary>
    public static string VersionLine()
    {
        var assembly = typeof(CommandLineSwitches).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        return $"Recommender.Server {version} (.NET {Environment.Version})";
    }

    /// <summary>The --help text: usage, the switches with the keys they set, and where configuration comes from.</summary>
    public static string HelpText()
    {
        var text = new StringBuilder();
        text.AppendLine(VersionLine());
        text.AppendLine("A related-content gRPC service (recommender.v1.RecommenderService).");
        text.AppendLine();
        text.AppendLine("Usage: Recommender.Server [switches] [--Section:Key=VALUE ...]");
        text.AppendLine();
        text.AppendLine("Switches (each sets a configuration key):");
        var width = Switches.Max(s => s.Name.Length + s.Value.Length + 1);
        foreach (var s in Switches)
        {
            text.AppendLine($"  {(s.Name + " " + s.Value).PadRight(width)}  {s.Key} (default {s.Default})");
            text.AppendLine($"  {new string(' ', width)}  {s.Meaning}");
        }
        text.AppendLine($"  {"--urls URLS".PadRight(width)}  ASP.NET Core's listen addresses (with --port 0)");
        text.AppendLine($"  {"--help".PadRight(width)}  print this and exit");
        text.AppendLine($"  {"--version".PadRight(width)}  print the version and exit");
        text.AppendLine();
        text.AppendLine("Configuration, later sources winning: appsettings.json and appsettings.{Environment}.json in the");
        text.AppendLine($"server's own folder ({AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)}), environment variables");
        text.AppendLine("(Recommender__Redis__Connection=host:6379), then the command line (--Recommender:Redis:Connection=host:6379).");
        text.AppendLine("Relative paths in configuration (the data folder, TLS files) are relative to the working folder.");
        text.AppendLine("Every key is listed in the README's Configuration section.");
        return text.ToString();
    }
}

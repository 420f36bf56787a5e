using System.Reflection;
using Grpc.Core;
using Spectre.Console.Cli;

namespace Recommender.Cli;

/// <summary>
/// What `recommender` exits with, one table for every command (it is in `recommender --help`):
/// <list type="table">
/// <item><term>0</term><description>done</description></item>
/// <item><term>1</term><description>failed otherwise (refused for the API key, the store full, a rate limit, an internal error)</description></item>
/// <item><term>2</term><description>usage: an unknown or malformed flag or argument; nothing was sent</description></item>
/// <item><term>3</term><description>invalid input: a bad line in a file (nothing was sent), or a field the service refused (INVALID_ARGUMENT)</description></item>
/// <item><term>4</term><description>not found: an article, rule or namespace that is not stored (NOT_FOUND)</description></item>
/// <item><term>5</term><description>unavailable: the service, or its store, cannot be reached now; try again (UNAVAILABLE, DEADLINE_EXCEEDED)</description></item>
/// </list>
/// </summary>
public static class ExitCodes
{
    public const int Done = 0;
    public const int Failed = 1;
    public const int UsageError = 2;
    public const int InvalidInput = 3;
    public const int NotFound = 4;
    public const int Unavailable = 5;

    /// <summary>The table as `--help` prints it.</summary>
    public const string Table =
        "Exit codes: 0 done; 1 failed otherwise; 2 usage (unknown or malformed flag or argument); 3 invalid input " +
        "(a bad line in a file, or a field the service refused); 4 not found; 5 unavailable (try again).";

    /// <summary>The exit code of a call the service answered with <paramref name="code"/>.</summary>
    public static int Of(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => InvalidInput,
        StatusCode.NotFound => NotFound,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => Unavailable,
        _ => Failed,
    };

    /// <summary>A command line Spectre.Console could not take: said on standard error, with the nearest flag for an unknown one.</summary>
    public static int Usage(Exception exception)
    {
        var message = exception.Message.TrimEnd('.');
        if (exception is CommandParseException && UnknownFlag(message) is { } flag && Nearest(flag) is { } nearest)
        {
            message += $"; did you mean {nearest}?";
        }
        Console.Error.WriteLine($"error: {message}{(message.EndsWith('?') ? "" : ".")} See 'recommender COMMAND --help'.");
        return exception is CommandParseException or CommandRuntimeException ? UsageError : Failed;
    }

    /// <summary>The flag an "Unknown option 'x'" message names, as typed (with its dashes).</summary>
    private static string? UnknownFlag(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return message.StartsWith("Unknown option", StringComparison.OrdinalIgnoreCase) && end > start
            ? message[(start + 1)..end]
            : null;
    }

    /// <summary>The known flag nearest <paramref name="flag"/> by edit distance (at most a third of its letters off).</summary>
    private static string? Nearest(string flag)
    {
        var typed = flag.TrimStart('-');
        var known = typeof(ExitCodes).Assembly.GetTypes()
            .SelectMany(t => t.GetProperties())
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
            .Where(o => o is not null)
            .SelectMany(o => o!.LongNames)
            .Distinct(StringComparer.Ordinal);
        var (name, distance) = known.Select(n => (n, Distance(typed, n))).OrderBy(c => c.Item2).FirstOrDefault();
        return name is not null && distance <= Math.Max(1, typed.Length / 3) ? "--" + name : null;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}

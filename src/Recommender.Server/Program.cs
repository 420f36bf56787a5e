using Microsoft.Extensions.Options;
using Recommender.Server.Configuration;

switch (CommandLineSwitches.Requested(args))
{
    case CommandLineSwitches.Action.Help:
        Console.Write(CommandLineSwitches.HelpText());
        return 0;
    case CommandLineSwitches.Action.Version:
        Console.WriteLine(CommandLineSwitches.VersionLine());
        return 0;
}

string[] expanded;
try
{
    expanded = CommandLineSwitches.Expand(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("error: " + ex.Message);
    return 2;
}

var builder = WebApplication.CreateBuilder(RecommenderHostExtensions.HostOptions(expanded));
builder.AddRecommender();

var app = builder.Build();
try
{
    // Inside the try: wiring the endpoints resolves services whose options are validated then.
    app.MapRecommender();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    // Bad configuration stops the service at start, with the keys to fix and no stack trace.
    await Console.Error.WriteLineAsync("configuration error: " + string.Join(" ", ex.Failures));
    return 1;
}

/// <summary>Entry point, public so that integration tests can host it in memory.</summary>
public partial class Program;

using Microsoft.Extensions.Options;
using Recommender.Server.Configuration;

var builder = WebApplication.CreateBuilder(CommandLineSwitches.Expand(args));
builder.AddRecommender();

var app = builder.Build();
app.MapRecommender();
try
{
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

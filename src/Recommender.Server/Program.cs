using Recommender.Server.Configuration;
using Recommender.Server.Grpc;

var builder = WebApplication.CreateBuilder(CommandLineSwitches.Expand(args));
builder.AddRecommender();

var app = builder.Build();
app.MapRecommender();
app.Run();

/// <summary>Entry point, public so that integration tests can host it in memory.</summary>
public partial class Program;

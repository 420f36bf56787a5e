using Recommender.Cli;

return await CliApp.RunAsync(args);

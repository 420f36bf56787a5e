using Recommender.Core.Index;

namespace Recommender.Core.Tests;

public class Fixed16Tests
{
    [Theory]
    [InlineData(128)]
    [InlineData(37)] // not a multiple of 16: the scalar tail
    [InlineData(1024)]
    public void Dot_OfCodes_TimesScales_IsTheFloatDot_ToWithin5e4(int dimensions)
    {
        var random = new Random(dimensions);
        for (var trial = 0; trial < 50; trial++)
        {
            var a = Unit(random, dimensions);
            var b = Unit(random, dimensions);
            var codesA = new short[dimensions];
            var codesB = new short[dimensions];

            var scaleA = Fixed16.Encode(a, codesA);
            var scaleB = Fixed16.Encode(b, codesB);

            Assert.Equal(VectorMath.Dot(a, b), Fixed16.Dot(codesA, codesB) * scaleA * scaleB, tolerance: 5e-4);
            Assert.Equal(1.0, Fixed16.Dot(codesA, codesA) * scaleA * scaleA, tolerance: 5e-4);
            Assert.InRange(codesA.Max(c => Math.Abs((int)c)), Fixed16.Limit(dimensions) - 1, Fixed16.Limit(dimensions));
        }
    }

    [Fact]
    public void Encode_ThenDecode_GivesTheVectorBack_AndTheWorstCaseCannotOverflow()
    {
        var vector = Unit(new Random(3), 128);
        var codes = new short[128];
        var decoded = new float[128];

        Fixed16.Decode(codes, Fixed16.Encode(vector, codes), decoded);
        var extreme = Enumerable.Repeat(Fixed16.Limit(128), 128).ToArray();

        Assert.All(vector.Zip(decoded), p => Assert.Equal(p.First, p.Second, tolerance: 1e-4));
        Assert.Equal(128L * Fixed16.Limit(128) * Fixed16.Limit(128), Fixed16.Dot(extreme, extreme));
        Assert.Equal(0f, Fixed16.Encode(new float[8], new short[8]));
    }

    private static float[] Unit(Random random, int dimensions)
    {
        var v = Enumerable.Range(0, dimensions).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        VectorMath.Normalize(v);
        return v;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Recommender.Core.Index;

/// <summary>
/// Fixed-point vectors: 16-bit integer codes and one float scale per vector (v ≈ codes × scale), the
/// largest component mapped to the largest code that keeps an integer dot product of two such
/// vectors within 32 bits (±4,096 at 128 dimensions: 12-bit precision). Half the memory of float32,
/// and the dot product is integer multiply-adds, 16 dimensions at a time with AVX2.
/// </summary>
public static class Fixed16
{
    /// <summary>The largest code at <paramref name="dimensions"/>: D × code² stays below 2³¹.</summary>
    public static short Limit(int dimensions) => (short)Math.Min(short.MaxValue, (int)Math.Sqrt(int.MaxValue / (double)Math.Max(1, dimensions)));

    /// <summary>Writes the codes of <paramref name="vector"/> and returns its scale.</summary>
    public static float Encode(ReadOnlySpan<float> vector, Span<short> codes)
    {
        var max = 0f;
        foreach (var x in vector)
        {
            max = MathF.Max(max, MathF.Abs(x));
        }
        if (max == 0)
        {
            codes.Clear();
            return 0;
        }
        var limit = Limit(vector.Length);
        var inverse = limit / max;
        for (var i = 0; i < vector.Length; i++)
        {
            codes[i] = (short)Math.Clamp(MathF.Round(vector[i] * inverse), -limit, limit);
        }
        return max / limit;
    }

    /// <summary>The vector the codes stand for.</summary>
    public static void Decode(ReadOnlySpan<short> codes, float scale, Span<float> vector)
    {
        for (var i = 0; i < codes.Length; i++)
        {
            vector[i] = codes[i] * scale;
        }
    }

    /// <summary>Σ a[i] × b[i] of two code vectors (multiply by both scales for the dot product).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(ReadOnlySpan<short> a, ReadOnlySpan<short> b)
    {
        var sum = 0;
        var i = 0;
        if (Avx2.IsSupported && a.Length >= 16)
        {
            ref var x = ref MemoryMarshal.GetReference(a);
            ref var y = ref MemoryMarshal.GetReference(b);
            var accumulator = Vector256<int>.Zero;
            for (; i + 16 <= a.Length; i += 16)
            {
                accumulator = Avx2.Add(accumulator, Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)));
            }
            sum = Vector256.Sum(accumulator);
        }
        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }
}

// One fragment entry point per layer type (no branching on the layer type per pixel).
// The integer math matches cpu/raster.rs exactly (8-bit bilinear weights, clamp-to-edge,
// (sum + 32768) >> 16 rounding, rounded a*b/255 for opacity). `vs_image` + `fs_image_sampled`
// are the other way to draw images: the texture unit's own bilinear filter
// (ImageFilter::Sampler), within 2 levels of the CPU's result instead of equal to it.

struct Params {
    rect: vec4<f32>,   // x0, y0, x1, y1 (pixels)
    m0: vec4<f32>,     // a, b, c
    m1: vec4<f32>,     // d, e, f
    c0: vec4<f32>,     // premultiplied colour (0..255) / gradient top
    c1: vec4<f32>,     // gradient bottom
    info: vec4<f32>,   // (unused), opacity (0..255), frame width, frame height
    off: vec4<i32>,    // overlay origin x, y
};

@group(0) @binding(0) var<uniform> p: Params;
@group(1) @binding(0) var tex: texture_2d<f32>;
@group(1) @binding(1) var smp: sampler;

@vertex
fn vs_main(@builtin(vertex_index) vi: u32) -> @builtin(position) vec4<f32> {
    var xs = array<u32, 6>(0u, 1u, 0u, 0u, 1u, 1u);
    var ys = array<u32, 6>(0u, 0u, 1u, 1u, 0u, 1u);
    let x = select(p.rect.x, p.rect.z, xs[vi] == 1u);
    let y = select(p.rect.y, p.rect.w, ys[vi] == 1u);
    return vec4<f32>(x / p.info.z * 2.0 - 1.0, 1.0 - y / p.info.w * 2.0, 0.0, 1.0);
}

fn mul255(a: vec4<u32>, b: u32) -> vec4<u32> {
    let x = a * b + vec4<u32>(128u);
    return (x + (x >> vec4<u32>(8u))) >> vec4<u32>(8u);
}

fn load(ix: i32, iy: i32) -> vec4<u32> {
    return vec4<u32>(round(textureLoad(tex, vec2<i32>(ix, iy), 0) * 255.0));
}

fn axis(u: f32) -> vec2<i32> {
    let q = i32(floor(u * 256.0));
    return vec2<i32>(q >> 8u, q & 255);
}

fn shade(c: vec4<u32>) -> vec4<f32> {
    let opacity = u32(p.info.y);
    var o = c;
    if opacity != 255u {
        o = mul255(c, opacity);
    }
    return vec4<f32>(o) / 255.0;
}

// A solid premultiplied colour (backgrounds and rectangles).
@fragment
fn fs_solid(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    return p.c0 / 255.0;
}

// A vertical gradient background.
@fragment
fn fs_gradient(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let t = pos.y / p.info.w;
    let v = p.c0 + (p.c1 - p.c0) * t;
    return clamp(floor(v + 0.5), vec4<f32>(0.0), vec4<f32>(255.0)) / 255.0;
}

// An image through an affine map, 8-bit bilinear with clamp-to-edge.
@fragment
fn fs_image(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let px = floor(pos.xy);
    let dims = vec2<i32>(textureDimensions(tex));
    let u = p.m0.x * px.x + (p.m0.y * px.y + p.m0.z);
    let v = p.m1.x * px.x + (p.m1.y * px.y + p.m1.z);
    let ax = axis(u);
    let ay = axis(v);
    let x0 = clamp(ax.x, 0, dims.x - 1);
    let x1 = clamp(ax.x + 1, 0, dims.x - 1);
    let y0 = clamp(ay.x, 0, dims.y - 1);
    let y1 = clamp(ay.x + 1, 0, dims.y - 1);
    let fx = u32(ax.y);
    let fy = u32(ay.y);
    let wx0 = 256u - fx;
    let wy0 = 256u - fy;
    let top = load(x0, y0) * wx0 + load(x1, y0) * fx;
    let bot = load(x0, y1) * wx0 + load(x1, y1) * fx;
    return shade((top * wy0 + bot * fy + vec4<u32>(32768u)) >> vec4<u32>(16u));
}

// A pre-rasterised overlay at an integer offset.
@fragment
fn fs_overlay(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let ip = vec2<i32>(floor(pos.xy)) - p.off.xy;
    return shade(load(ip.x, ip.y));
}

struct Sampled {
    @builtin(position) pos: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

// The layer's rectangle with texture coordinates from the affine map. Pixel x (centre x + 0.5)
// samples texel u = a x + b y + c, texel k has its centre at (k + 0.5) / width, and the map is
// linear, so interpolating the corners' coordinates gives every pixel's exactly.
@vertex
fn vs_image(@builtin(vertex_index) vi: u32) -> Sampled {
    var xs = array<u32, 6>(0u, 1u, 0u, 0u, 1u, 1u);
    var ys = array<u32, 6>(0u, 0u, 1u, 1u, 0u, 1u);
    let x = select(p.rect.x, p.rect.z, xs[vi] == 1u);
    let y = select(p.rect.y, p.rect.w, ys[vi] == 1u);
    let dims = vec2<f32>(textureDimensions(tex));
    let u = p.m0.x * (x - 0.5) + (p.m0.y * (y - 0.5) + p.m0.z) + 0.5;
    let v = p.m1.x * (x - 0.5) + (p.m1.y * (y - 0.5) + p.m1.z) + 0.5;
    var o: Sampled;
    o.pos = vec4<f32>(x / p.info.z * 2.0 - 1.0, 1.0 - y / p.info.w * 2.0, 0.0, 1.0);
    o.uv = vec2<f32>(u, v) / dims;
    return o;
}

// An image through the texture unit's bilinear filter (clamp-to-edge), with opacity.
@fragment
fn fs_image_sampled(in: Sampled) -> @location(0) vec4<f32> {
    return textureSample(tex, smp, in.uv) * (p.info.y / 255.0);
}

//! Look-and-feel of a scene: background, caption style, safe areas, progress bar, watermark.
//!
//! Lengths are in *style units*: pixels on a frame whose short side is 1080 pixels; they scale
//! with the output (a 1080p, a 1080×1920 Short and a 1080×1080 square all use them 1:1).

use ytempire_core::{Aspect, Error, Result, Visual};

/// An sRGB colour with straight (not premultiplied) alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color(pub [u8; 4]);

impl Color {
    /// Opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self([r, g, b, 255])
    }

    /// Colour with alpha.
    pub const fn rgba(r: u8, g: u8, b: u8, a: u8) -> Self {
        Self([r, g, b, a])
    }

    /// Premultiplied RGBA8 (rounded).
    pub fn premultiplied(self) -> [u8; 4] {
        let [r, g, b, a] = self.0;
        let m = |c: u8| ((u32::from(c) * u32::from(a) + 127) / 255) as u8;
        [m(r), m(g), m(b), a]
    }

    /// Relative luminance in 0..=1 (for automatic contrast).
    pub fn luminance(self) -> f32 {
        let [r, g, b, _] = self.0;
        (0.2126 * f32::from(r) + 0.7152 * f32::from(g) + 0.0722 * f32::from(b)) / 255.0
    }
}

/// What fills the frame where no image covers it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Background {
    /// One colour.
    Solid(Color),
    /// Top-to-bottom linear gradient.
    VerticalGradient {
        /// Colour of the top row.
        top: Color,
        /// Colour of the bottom row.
        bottom: Color,
    },
}

/// Timing curve of Ken Burns motion and slides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Easing {
    /// Constant speed.
    Linear,
    /// Smoothstep: slow start and end.
    #[default]
    EaseInOut,
}

impl Easing {
    /// Map progress 0..=1 through the curve.
    pub fn apply(self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        match self {
            Self::Linear => p,
            Self::EaseInOut => p * p * (3.0 - 2.0 * p),
        }
    }
}

/// What a video clip shows when its segment lasts longer than the clip.
///
/// A clip longer than its segment is always *trimmed*: its first part plays and the rest is
/// never decoded. Clip time runs from the segment's start (`t - segment.start`), and the frame
/// shown is the latest one presented at or before that clip time.
///
/// ```
/// use ytempire_render::scene::ClipPlayback;
/// // A 2-second clip, 5 seconds into its segment:
/// assert_eq!(ClipPlayback::Loop.clip_time(5.0, 2.0), 1.0);
/// assert_eq!(ClipPlayback::HoldLastFrame.clip_time(5.0, 2.0), 2.0);
/// // Inside the clip both play it as is:
/// assert_eq!(ClipPlayback::Loop.clip_time(0.5, 2.0), 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClipPlayback {
    /// Start the clip again from its first frame (the default).
    #[default]
    Loop,
    /// Freeze on the clip's last frame.
    HoldLastFrame,
}

impl ClipPlayback {
    /// Where in a clip of `clip_secs` seconds playback is, `since_start` seconds after its
    /// segment started (negative or non-finite times give 0).
    pub fn clip_time(self, since_start: f64, clip_secs: f64) -> f64 {
        let t = if since_start.is_finite() {
            since_start.max(0.0)
        } else {
            0.0
        };
        if !(clip_secs.is_finite() && clip_secs > 0.0) || t < clip_secs {
            return t;
        }
        match self {
            Self::Loop => t.rem_euclid(clip_secs),
            Self::HoldLastFrame => clip_secs,
        }
    }
}

/// Region kept clear of platform UI, as fractions of the frame to leave at each edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafeArea {
    /// Fraction of the width left free on the left.
    pub left: f32,
    /// Fraction of the width left free on the right.
    pub right: f32,
    /// Fraction of the height left free at the top.
    pub top: f32,
    /// Fraction of the height left free at the bottom.
    pub bottom: f32,
}

impl SafeArea {
    /// Defaults per aspect: Shorts keep clear of the right-hand buttons and the bottom title.
    pub fn for_aspect(aspect: Aspect) -> Self {
        match aspect {
            Aspect::Portrait => Self {
                left: 0.06,
                right: 0.17,
                top: 0.1,
                bottom: 0.2,
            },
            Aspect::Square => Self {
                left: 0.06,
                right: 0.06,
                top: 0.06,
                bottom: 0.1,
            },
            Aspect::Landscape | Aspect::Custom => Self {
                left: 0.05,
                right: 0.05,
                top: 0.05,
                bottom: 0.05,
            },
        }
    }

    /// The safe rectangle in pixels `(x, y, w, h)` for a frame (at least 1×1).
    pub fn rect(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let f = |v: f32, n: u32| ((v.clamp(0.0, 0.45) * n as f32).round() as u32).min(n / 2);
        let (l, r) = (f(self.left, width), f(self.right, width));
        let (t, b) = (f(self.top, height), f(self.bottom, height));
        (
            l,
            t,
            width.saturating_sub(l + r).max(1),
            height.saturating_sub(t + b).max(1),
        )
    }
}

/// Word-by-word captions.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptionStyle {
    /// Show captions at all.
    pub enabled: bool,
    /// Font size (style units).
    pub font_px: f32,
    /// Outline width (style units); 0 for none.
    pub stroke_px: f32,
    /// Words shown together.
    pub max_words: usize,
    /// Text colour.
    pub text: Color,
    /// Colour of the word being spoken.
    pub highlight: Color,
    /// Outline colour.
    pub stroke: Color,
    /// Box behind the text (alpha 0 for none).
    pub box_color: Color,
    /// Padding inside the box (style units).
    pub box_padding_px: f32,
    /// Distance from the frame's bottom edge to the text block's bottom (style units);
    /// `None` puts it at the bottom of the safe area.
    pub bottom_px: Option<f32>,
    /// Smallest font size (style units) tried before "text cannot fit" is reported.
    pub min_font_px: f32,
}

impl Default for CaptionStyle {
    fn default() -> Self {
        Self {
            enabled: true,
            font_px: 64.0,
            stroke_px: 4.0,
            max_words: 4,
            text: Color::rgb(255, 255, 255),
            highlight: Color::rgb(255, 214, 0),
            stroke: Color::rgb(0, 0, 0),
            box_color: Color::rgba(0, 0, 0, 110),
            box_padding_px: 14.0,
            bottom_px: None,
            min_font_px: 28.0,
        }
    }
}

/// Which corner a watermark sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Corner {
    /// Top left.
    TopLeft,
    /// Top right.
    #[default]
    TopRight,
    /// Bottom left.
    BottomLeft,
    /// Bottom right.
    BottomRight,
}

/// What the watermark shows.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one watermark per render: boxing the visual would save nothing"
)]
pub enum WatermarkContent {
    /// A short text (channel handle).
    Text(String),
    /// A logo image (decoded in `prepare`).
    Image(Visual),
}

/// A logo or handle shown over the whole video.
#[derive(Debug, Clone, PartialEq)]
pub struct Watermark {
    /// What to show.
    pub content: WatermarkContent,
    /// Where.
    pub corner: Corner,
    /// Opacity 0..=1.
    pub opacity: f32,
    /// Height (style units).
    pub height_px: f32,
}

/// Style of a whole video. `Default` gives white captions with a yellow highlight, a dark
/// gradient background, title cards and lower thirds on, no progress bar and no watermark.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneStyle {
    /// Shown where no image covers the frame.
    pub background: Background,
    /// Captions.
    pub caption: CaptionStyle,
    /// Caption safe area; `None` uses [`SafeArea::for_aspect`].
    pub safe_area: Option<SafeArea>,
    /// Progress bar colour along the bottom edge; `None` for no bar.
    pub progress_bar: Option<Color>,
    /// Progress bar height (style units).
    pub progress_bar_px: f32,
    /// Logo or handle.
    pub watermark: Option<Watermark>,
    /// Rotation (degrees) added over a Ken Burns move; 0 for none.
    pub ken_burns_rotation_deg: f32,
    /// Easing of Ken Burns motion and slides.
    pub easing: Easing,
    /// Show a segment's `on_screen_text`: the first segment's as a centred title card,
    /// later ones as lower thirds.
    pub on_screen_text: bool,
    /// Seconds the title card / lower third stays up (from the segment start).
    pub on_screen_text_secs: f64,
    /// Fade in/out of title cards and lower thirds, seconds.
    pub fade_secs: f64,
    /// Accent colour of lower thirds.
    pub accent: Color,
    /// What video clips shorter than their segment do (loop by default); longer ones are
    /// trimmed.
    pub clip_playback: ClipPlayback,
}

impl Default for SceneStyle {
    fn default() -> Self {
        Self {
            background: Background::VerticalGradient {
                top: Color::rgb(24, 28, 48),
                bottom: Color::rgb(6, 6, 12),
            },
            caption: CaptionStyle::default(),
            safe_area: None,
            progress_bar: None,
            progress_bar_px: 8.0,
            watermark: None,
            ken_burns_rotation_deg: 0.0,
            easing: Easing::EaseInOut,
            on_screen_text: true,
            on_screen_text_secs: 3.0,
            fade_secs: 0.3,
            accent: Color::rgb(230, 57, 70),
            clip_playback: ClipPlayback::Loop,
        }
    }
}

impl SceneStyle {
    /// Check sizes and durations.
    ///
    /// # Errors
    /// `InvalidRequest` naming the offending field.
    pub fn validate(&self) -> Result<()> {
        let c = &self.caption;
        let finite_pos = |name: &str, v: f32, min: f32| {
            if v.is_finite() && v >= min && v <= 4096.0 {
                Ok(())
            } else {
                Err(Error::invalid_request(format!(
                    "style {name} = {v} must be between {min} and 4096"
                )))
            }
        };
        finite_pos("caption.font_px", c.font_px, 1.0)?;
        finite_pos("caption.min_font_px", c.min_font_px, 1.0)?;
        finite_pos("caption.stroke_px", c.stroke_px, 0.0)?;
        finite_pos("caption.box_padding_px", c.box_padding_px, 0.0)?;
        finite_pos("progress_bar_px", self.progress_bar_px, 0.0)?;
        finite_pos(
            "ken_burns_rotation_deg",
            self.ken_burns_rotation_deg.abs(),
            0.0,
        )?;
        if let Some(b) = c.bottom_px {
            finite_pos("caption.bottom_px", b, 0.0)?;
        }
        if c.max_words == 0 {
            return Err(Error::invalid_request(
                "style caption.max_words must be >= 1",
            ));
        }
        for (name, v) in [
            ("on_screen_text_secs", self.on_screen_text_secs),
            ("fade_secs", self.fade_secs),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid_request(format!(
                    "style {name} = {v} must be finite and >= 0"
                )));
            }
        }
        if let Some(w) = &self.watermark {
            finite_pos("watermark.height_px", w.height_px, 1.0)?;
            if !(0.0..=1.0).contains(&w.opacity) {
                return Err(Error::invalid_request(format!(
                    "style watermark.opacity = {} must be in 0..=1",
                    w.opacity
                )));
            }
        }
        Ok(())
    }
}

//! Forwarding impls so `Arc<T>` and `Box<T>` (including `Arc<dyn Trait>`) are providers too,
//! and the `Dyn*` aliases used as the currency between crates.

use async_trait::async_trait;
use std::sync::Arc;

use crate::{
    ChatRequest, ChatResponse, ImageRequest, ImageResponse, ImageSource, LanguageModel,
    ProgressSink, ProviderInfo, Result, Speech, SpeechRequest, SpeechSynthesizer, TrendRequest,
    TrendResponse, TrendSource, UploadReceipt, UploadRequest, Uploader,
};

/// A shared, type-erased language model.
pub type DynLanguageModel = Arc<dyn LanguageModel>;
/// A shared, type-erased speech synthesizer.
pub type DynSpeechSynthesizer = Arc<dyn SpeechSynthesizer>;
/// A shared, type-erased image source.
pub type DynImageSource = Arc<dyn ImageSource>;
/// A shared, type-erased uploader.
pub type DynUploader = Arc<dyn Uploader>;
/// A shared, type-erased trend source.
pub type DynTrendSource = Arc<dyn TrendSource>;

macro_rules! forward {
    ($trait:ident, $method:ident, $req:ty, $resp:ty $(, $extra:ident : $extra_ty:ty)?) => {
        #[deny(clippy::missing_trait_methods)]
        #[async_trait]
        impl<T: $trait + ?Sized> $trait for Arc<T> {
            fn info(&self) -> ProviderInfo {
                (**self).info()
            }
            async fn $method(&self, request: &$req $(, $extra: $extra_ty)?) -> Result<$resp> {
                (**self).$method(request $(, $extra)?).await
            }
        }

        #[deny(clippy::missing_trait_methods)]
        #[async_trait]
        impl<T: $trait + ?Sized> $trait for Box<T> {
            fn info(&self) -> ProviderInfo {
                (**self).info()
            }
            async fn $method(&self, request: &$req $(, $extra: $extra_ty)?) -> Result<$resp> {
                (**self).$method(request $(, $extra)?).await
            }
        }
    };
}

forward!(LanguageModel, complete, ChatRequest, ChatResponse);
forward!(SpeechSynthesizer, synthesize, SpeechRequest, Speech);
forward!(ImageSource, fetch, ImageRequest, ImageResponse);
forward!(TrendSource, trends, TrendRequest, TrendResponse);
forward!(
    Uploader,
    upload,
    UploadRequest,
    UploadReceipt,
    progress: &dyn ProgressSink
);

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_llm<T: LanguageModel>() {}
    fn assert_tts<T: SpeechSynthesizer>() {}
    fn assert_image<T: ImageSource>() {}
    fn assert_upload<T: Uploader>() {}
    fn assert_trend<T: TrendSource>() {}

    #[test]
    fn dyn_aliases_are_providers() {
        assert_llm::<DynLanguageModel>();
        assert_llm::<Box<dyn LanguageModel>>();
        assert_tts::<DynSpeechSynthesizer>();
        assert_image::<DynImageSource>();
        assert_upload::<DynUploader>();
        assert_trend::<DynTrendSource>();
        assert_trend::<Box<dyn TrendSource>>();
    }
}

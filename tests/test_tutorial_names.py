"""Names a PyTorch tutorial reader types (issue 12's lists) must resolve on Lucid.

``TUTORIAL_NAMES`` is checked strictly: a missing name fails with the list of
every missing one.
"""

import importlib

import lucid


def _names(text: str) -> list:
    return text.split()


TUTORIAL_NAMES = {
    "lucid": _names("""
    tensor from_numpy zeros ones empty full zeros_like ones_like empty_like full_like rand randn randint
    rand_like randn_like randint_like randperm arange linspace logspace eye manual_seed seed initial_seed cat
    concat stack hstack vstack dstack split chunk reshape view_as_real view_as_complex squeeze unsqueeze
    flatten unflatten transpose permute t movedim narrow gather scatter index_select masked_select take
    take_along_dim where nonzero argwhere flip fliplr flipud roll rot90 tril triu diag diagonal diag_embed
    trace outer inner matmul mm bmm mv dot einsum kron tensordot cdist cartesian_prod meshgrid broadcast_to
    broadcast_tensors repeat_interleave tile abs absolute neg add sub mul div true_divide floor_divide
    remainder fmod pow exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square sin cos tan asin acos atan atan2
    arctan2 sinh cosh tanh asinh acosh atanh sigmoid logit erf erfc erfinv lgamma digamma polygamma i0 sinc
    floor ceil round trunc frac sign sgn signbit clamp clip maximum minimum fmax fmin lerp addcmul addcdiv
    hypot logaddexp logaddexp2 xlogy copysign nextafter nan_to_num deg2rad rad2deg sum mean nansum nanmean
    prod std var std_mean var_mean median nanmedian quantile nanquantile max min amax amin argmax argmin
    logsumexp cumsum cumprod cummax cummin norm all any count_nonzero unique bincount histc histogram sort
    argsort topk kthvalue searchsorted bucketize isin eq ne lt le gt ge equal allclose isclose isnan isinf
    isfinite isposinf isneginf logical_and logical_or logical_not logical_xor bitwise_and bitwise_or
    bitwise_xor bitwise_not is_tensor is_floating_point is_complex numel no_grad enable_grad set_grad_enabled
    is_grad_enabled inference_mode is_inference_mode_enabled set_default_dtype get_default_dtype
    set_num_threads get_num_threads from_dlpack save load device float32 float64 float16 bfloat16 int64 int32
    int16 int8 uint8 bool complex64 float double half long int dtype Tensor Generator multinomial poisson
    bernoulli normal angle polar complex real imag conj relu softmax log_softmax addmm baddbmm addbmm addmv
    addr triu_indices tril_indices block_diag atleast_1d atleast_2d atleast_3d clone detach index_add
    index_copy index_fill index_put masked_fill masked_scatter scatter_add scatter_reduce diff corrcoef cov
    heaviside float_power lcm gcd compile autocast finfo iinfo promote_types result_type can_cast swapaxes
    swapdims moveaxis cross mode aminmax logcumsumexp dist unique_consecutive msort isreal chain_matmul det
    logdet slogdet inverse pinverse matrix_power matrix_exp cholesky qr svd gradient trapezoid trapz
    cumulative_trapezoid vander is_nonzero
    """),
    "lucid.Tensor": _names("""
    item tolist numpy size shape dim ndim numel dtype device requires_grad grad grad_fn is_leaf backward
    detach detach_ requires_grad_ retain_grad register_hook to cpu cuda float double half long int bool type
    view view_as reshape reshape_as expand expand_as repeat permute transpose t T mT contiguous is_contiguous
    stride storage_offset clone copy_ fill_ zero_ add add_ sub sub_ mul mul_ div div_ pow pow_ neg abs exp log
    sqrt sum mean std var max min argmax argmin sort topk cumsum prod norm matmul mm bmm dot squeeze unsqueeze
    flatten unflatten flip roll chunk split gather scatter scatter_ scatter_add index_select masked_fill
    masked_fill_ where clamp clamp_ clip relu relu_ sigmoid sigmoid_ tanh tanh_ softmax log_softmax
    multinomial eq ne lt le gt ge all any isnan equal allclose element_size nbytes is_floating_point
    is_complex new_zeros new_ones new_full new_empty new_tensor uniform_ normal_ bernoulli_ exponential_
    random_ geometric_ log_normal_ cauchy_ unfold narrow select index_add_ index_fill_ masked_scatter_ lerp
    addcmul addcdiv square real imag conj angle sign round floor ceil trunc frac logit_ hardshrink apply_ map_
    cross mode aminmax logcumsumexp dist unique_consecutive msort isreal det logdet slogdet inverse pinverse
    matrix_power matrix_exp cholesky qr svd is_nonzero
    """),
    "lucid.nn": _names("""
    Module Sequential ModuleList ModuleDict ParameterList ParameterDict Parameter Buffer Identity Linear
    Bilinear LazyLinear Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d MaxPool1d
    MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d
    AdaptiveMaxPool1d AdaptiveMaxPool2d LPPool1d LPPool2d MaxUnpool2d BatchNorm1d BatchNorm2d BatchNorm3d
    LayerNorm GroupNorm InstanceNorm1d InstanceNorm2d InstanceNorm3d LocalResponseNorm RMSNorm Dropout
    Dropout1d Dropout2d Dropout3d AlphaDropout Embedding RNN LSTM GRU RNNCell LSTMCell GRUCell Transformer
    TransformerEncoder TransformerEncoderLayer TransformerDecoder TransformerDecoderLayer MultiheadAttention
    ReLU ReLU6 LeakyReLU PReLU RReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softmin
    Softplus Softsign Softshrink Hardshrink Hardtanh Hardsigmoid Hardswish Tanhshrink Threshold GLU LogSigmoid
    Flatten Unflatten ZeroPad2d ConstantPad1d ConstantPad2d ReflectionPad1d ReflectionPad2d ReplicationPad2d
    Upsample UpsamplingNearest2d UpsamplingBilinear2d PixelShuffle PixelUnshuffle ChannelShuffle Fold Unfold
    CosineSimilarity PairwiseDistance MSELoss L1Loss SmoothL1Loss HuberLoss CrossEntropyLoss NLLLoss BCELoss
    BCEWithLogitsLoss KLDivLoss CTCLoss PoissonNLLLoss GaussianNLLLoss MarginRankingLoss HingeEmbeddingLoss
    MultiLabelMarginLoss MultiLabelSoftMarginLoss MultiMarginLoss SoftMarginLoss CosineEmbeddingLoss
    TripletMarginLoss TripletMarginWithDistanceLoss init functional utils EmbeddingBag
    """),
    "lucid.nn.functional": _names("""
    relu relu6 leaky_relu prelu elu selu celu gelu silu mish sigmoid tanh softmax log_softmax softmin softplus
    softsign hardtanh hardsigmoid hardswish glu threshold hardshrink softshrink tanhshrink logsigmoid
    gumbel_softmax linear bilinear conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d
    max_pool1d max_pool2d max_pool3d avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d adaptive_avg_pool2d
    adaptive_max_pool2d lp_pool2d batch_norm layer_norm group_norm instance_norm local_response_norm normalize
    dropout dropout2d alpha_dropout embedding one_hot pad interpolate upsample grid_sample affine_grid
    pixel_shuffle pixel_unshuffle unfold fold cosine_similarity pairwise_distance pdist mse_loss l1_loss
    smooth_l1_loss huber_loss cross_entropy nll_loss binary_cross_entropy binary_cross_entropy_with_logits
    kl_div ctc_loss poisson_nll_loss gaussian_nll_loss margin_ranking_loss hinge_embedding_loss
    multilabel_margin_loss multilabel_soft_margin_loss multi_margin_loss soft_margin_loss
    cosine_embedding_loss triplet_margin_loss scaled_dot_product_attention embedding_bag
    multi_head_attention_forward
    """),
    "lucid.nn.init": _names("""
    calculate_gain uniform_ normal_ constant_ ones_ zeros_ eye_ dirac_ xavier_uniform_ xavier_normal_
    kaiming_uniform_ kaiming_normal_ trunc_normal_ orthogonal_ sparse_
    """),
    "lucid.nn.utils": _names("""
    clip_grad_norm_ clip_grad_value_ clip_grad_norm clip_grad_value parameters_to_vector vector_to_parameters
    get_total_norm rnn parametrize parametrizations prune weight_norm remove_weight_norm spectral_norm
    remove_spectral_norm fuse_conv_bn_eval fuse_conv_bn_weights fuse_linear_bn_eval fuse_linear_bn_weights
    skip_init stateless
    """),
    "lucid.nn.utils.parametrize": _names("register_parametrization remove_parametrizations is_parametrized cached"),
    "lucid.nn.utils.parametrizations": _names("orthogonal weight_norm spectral_norm"),
    "lucid.nn.utils.prune": _names("""
    BasePruningMethod Identity RandomUnstructured L1Unstructured RandomStructured LnStructured CustomFromMask
    identity random_unstructured l1_unstructured random_structured ln_structured global_unstructured
    custom_from_mask remove is_pruned
    """),
    "lucid.nn.utils.stateless": _names("functional_call"),
    "lucid.nn.utils.rnn": _names("""
    pack_padded_sequence pad_packed_sequence pad_sequence pack_sequence PackedSequence unpad_sequence
    unpack_sequence
    """),
    "lucid.optim": _names("""
    Optimizer SGD Adam AdamW Adagrad Adadelta Adamax NAdam RAdam RMSprop Rprop ASGD lr_scheduler LBFGS
    SparseAdam swa_utils
    """),
    "lucid.optim.swa_utils": _names("""
    AveragedModel SWALR update_bn get_ema_multi_avg_fn get_swa_multi_avg_fn get_ema_avg_fn get_swa_avg_fn
    """),
    "lucid.optim.lr_scheduler": _names("""
    LRScheduler StepLR MultiStepLR ExponentialLR CosineAnnealingLR CosineAnnealingWarmRestarts
    ReduceLROnPlateau CyclicLR OneCycleLR LambdaLR MultiplicativeLR LinearLR ConstantLR SequentialLR
    ChainedScheduler PolynomialLR
    """),
    "lucid.utils.data": _names("""
    Dataset IterableDataset TensorDataset ConcatDataset ChainDataset Subset DataLoader Sampler
    SequentialSampler RandomSampler SubsetRandomSampler WeightedRandomSampler BatchSampler random_split
    default_collate get_worker_info
    """),
    "lucid.transforms": _names("""
    Compose ToTensor Normalize Resize CenterCrop RandomCrop RandomResizedCrop RandomHorizontalFlip
    RandomVerticalFlip RandomRotation ColorJitter Grayscale Lambda Pad RandomErasing GaussianBlur RandomAffine
    ToPILImage ConvertImageDtype
    """),
    "lucid.fft": _names("""
    fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 rfftn irfftn hfft ihfft fftfreq rfftfreq fftshift
    ifftshift
    """),
    "lucid.special": _names("""
    erf erfc erfinv erfcx expit logit exp2 expm1 log1p xlogy xlog1py i0 i0e i1 i1e ndtr ndtri log_ndtr gammaln
    digamma psi polygamma multigammaln sinc entr softmax log_softmax bessel_j0 bessel_j1 zeta logsumexp round
    """),
    "lucid.distributions": _names("""
    Distribution Normal Uniform Bernoulli Categorical Beta Gamma Dirichlet Exponential Laplace Poisson
    Binomial MultivariateNormal Independent TransformedDistribution kl_divergence register_kl Cauchy Gumbel
    LogNormal Chi2 StudentT OneHotCategorical RelaxedBernoulli RelaxedOneHotCategorical constraints transforms
    Multinomial Geometric
    """),
    "lucid.linalg": _names("""
    norm vector_norm matrix_norm det slogdet inv inv_ex solve solve_ex cholesky cholesky_ex qr svd svdvals
    eigh eigvalsh pinv matrix_rank matrix_power cross multi_dot LinAlgError lstsq lu lu_factor lu_factor_ex
    lu_solve eig eigvals matrix_exp householder_product ldl_factor ldl_factor_ex ldl_solve vander vecdot
    """),
}



def _namespace(path: str):
    if path == "lucid.Tensor":
        return lucid.Tensor
    return importlib.import_module(path)


def _missing(table: dict) -> list:
    out = []
    for path, names in table.items():
        try:
            ns = _namespace(path)
        except ImportError:
            out.extend(f"{path}.{n}" for n in names)
            continue
        out.extend(f"{path}.{n}" for n in names if not hasattr(ns, n))
    return out


def test_tutorial_names_resolve():
    missing = _missing(TUTORIAL_NAMES)
    assert not missing, f"{len(missing)} PyTorch tutorial names are missing from Lucid: {missing}"


def test_lists_have_no_duplicates():
    for path, names in TUTORIAL_NAMES.items():
        assert len(names) == len(set(names)), path
